"""The Babel extraction method for regflow's messages (``pybabel extract -F i18n/babel.cfg``).

``pybabel``'s own Python extractor misses two kinds of message here: ``_()`` calls inside
f-strings (Python 3.11 tokenises an f-string as one string), and the CLI's help texts, which
click takes from ``help=`` and from command docstrings and which ``cli.py`` translates when a help
page is written. Left out of the template, ``pybabel update`` would mark their translations
obsolete. This method reads the syntax tree instead, which sees both; tests/test_cli_i18n.py
checks the catalogues against the same messages, read from the code and from the live CLI.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from typing import IO, Any

CALLS = ("_", "N_", "gettext", "ngettext")
DECORATORS = ("command", "group")  # click's @x.command() / @x.group(): the docstring is the help


def extract(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[tuple[int, str | None, str | tuple[str, ...], list[str]]]:
    """Yield ``(line, function, message(s), comments)`` as Babel's extractors do."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
            strings = [t for t in texts if isinstance(t, str)]
            if name in CALLS and name in keywords and texts and isinstance(texts[0], str):
                if name == "ngettext" and len(strings) >= 2:
                    yield node.lineno, name, (strings[0], strings[1]), []
                elif name != "ngettext":
                    yield node.lineno, name, (strings[0],), []
            for kw in node.keywords:
                value = kw.value.value if isinstance(kw.value, ast.Constant) else None
                if kw.arg == "help" and isinstance(value, str):
                    yield kw.value.lineno, None, (_clean(value),), ["help text"]
        elif isinstance(node, ast.FunctionDef) and any(map(_is_command, node.decorator_list)):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.lineno, None, (doc,), [f"help of the command {node.name}"]


def _is_command(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
    return name in DECORATORS


def _clean(text: str) -> str:
    import inspect

    return inspect.cleandoc(text)
