"""Write every library model to processes/<key>.bpmn.

Run from the repository root::

    .venv/bin/python tools/build_library.py [--out DIR] [--check]

Every module in tools/library that defines ``build() -> list[ProcessBuilder]`` contributes its
models. ``--check`` writes nothing and fails when a file in processes/ is missing or stale.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:  # `library` is a package inside tools/
    sys.path.insert(0, str(HERE))
try:
    import regflow  # noqa: F401  (installed, e.g. `pip install -e .`)
except ImportError:  # fall back to the checkout: the repository root is the package `regflow`
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "regflow", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)]
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["regflow"] = module
    spec.loader.exec_module(module)

import library  # noqa: E402


def collect() -> list:
    """All builders of all library modules, in module-name order; keys must be unique."""
    builders = []
    seen: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(library.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"library.{info.name}")
        build = getattr(mod, "build", None)
        if not callable(build):
            continue
        for b in build():
            if b.key in seen:
                raise SystemExit(
                    f"duplicate process key {b.key!r} in {info.name} and {seen[b.key]}"
                )
            seen[b.key] = info.name
            builders.append(b)
    return builders


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "processes")
    ap.add_argument("--check", action="store_true", help="fail if a file is missing or stale")
    args = ap.parse_args(argv)
    stale = []
    for b in collect():
        path = args.out / f"{b.key}.bpmn"
        data = b.to_bytes()
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(path)
            continue
        if not path.exists() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if stale:
        print("stale:", *map(str, stale), sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
