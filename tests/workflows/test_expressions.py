from __future__ import annotations

import pytest

from regflow.errors import ExpressionError
from regflow.workflows.expressions import Expression, Script


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('id')",
        "open('/etc/passwd').read()",
        "().__class__.__bases__",
        "[x for x in range(3)]",
        "(lambda: 1)()",
        "eval('1')",
        "getattr(route, 'upper')",
        "route.upper()",
        "data[route]",
    ],
)
def test_condition_refuses_anything_beyond_comparisons(source: str) -> None:
    with pytest.raises(ExpressionError):
        Expression(source)


def test_condition_reads_application_data() -> None:
    cond = Expression('route == "akim" and not documents_complete')
    assert cond.evaluate({"route": "akim", "documents_complete": False}) is True
    assert cond.evaluate({"route": "akim", "documents_complete": True}) is False
    assert cond.names() == {"route", "documents_complete"}


def test_condition_on_missing_data_names_it() -> None:
    with pytest.raises(ExpressionError, match="'permit_type' is not set"):
        Expression('permit_type == "extension"').evaluate({})


def test_condition_cannot_build_huge_values() -> None:
    with pytest.raises(ExpressionError):
        Expression("'a' * 100000000").evaluate({})
    with pytest.raises(ExpressionError):
        Expression("10 ** 100").evaluate({})


def test_script_assigns_names_only() -> None:
    data = {"days": 3}
    Script("late = days > 2\ntotal = days * 2").execute(data)
    assert data == {"days": 3, "late": True, "total": 6}
    with pytest.raises(ExpressionError):
        Script("import os")
    with pytest.raises(ExpressionError):
        Script("x.y = 1")
