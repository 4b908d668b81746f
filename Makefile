# The two set-up commands of the README. Each creates its own virtual environment (.venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/regflow demo

test: $(STAMP)
	$(BIN)/ruff check .
	mkdir -p build/mypy && ln -sfn ../.. build/mypy/regflow   # mypy sees the root as `regflow`
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2 --dist loadfile

clean:
	rm -rf $(VENV) regflow-demo .pytest_cache .mypy_cache .ruff_cache
