"""A small, safe expression language for gateway conditions and script tasks.

SpiffWorkflow's default script engine hands BPMN text to Python's ``eval``/``exec``: a model
could import modules, open files or reach the network. Regulations are data, not code, so
regflow never gives model text to ``eval``. Instead the text is parsed with :mod:`ast` and the
tree is interpreted here, allowing only what a condition needs: literals, names of application
data, comparisons, ``and``/``or``/``not``, ``in``, arithmetic, subscripts with literal keys and
a handful of pure functions. Attribute access, imports, lambdas, comprehensions and every other
call are refused when the model is validated, so a hostile file is rejected before deployment.

Scripts are a sequence of ``name = expression`` lines in the same language.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

from regflow.errors import ExpressionError

MAX_SOURCE = 2_000
MAX_SEQUENCE = 10_000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
}
_CONSTANTS = {"True": True, "False": False, "None": None, "true": True, "false": False}


class _Checker(ast.NodeVisitor):
    """Refuses every construct outside the language, before anything runs."""

    allowed = (
        ast.Expression,
        ast.BoolOp,
        ast.And,
        ast.Or,
        ast.UnaryOp,
        ast.Not,
        ast.USub,
        ast.UAdd,
        ast.BinOp,
        ast.Compare,
        ast.Name,
        ast.Load,
        ast.Constant,
        ast.List,
        ast.Tuple,
        ast.Set,
        ast.IfExp,
        ast.Subscript,
        ast.Call,
        *_BINARY,
        *_COMPARE,
    )

    def generic_visit(self, node: ast.AST) -> None:
        if not isinstance(node, self.allowed):
            raise ExpressionError(f"'{type(node).__name__}' is not allowed in a condition")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise ExpressionError(f"name '{node.id}' is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                raise ExpressionError(
                    "only these functions may be called: " + ", ".join(sorted(_FUNCTIONS))
                )
            if node.keywords:
                raise ExpressionError("keyword arguments are not allowed")
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
            raise ExpressionError("subscripts must be literal keys")
        super().generic_visit(node)


def _parse(source: str, mode: str) -> ast.AST:
    if len(source) > MAX_SOURCE:
        raise ExpressionError(f"expression longer than {MAX_SOURCE} characters")
    try:
        return ast.parse(source.strip(), mode=mode)
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {source.strip()!r}: {exc.msg}") from None


class Expression:
    """A checked condition, parsed once per process version and evaluated per application."""

    def __init__(self, source: str) -> None:
        self.source = source
        tree = _parse(source, "eval")
        _Checker().visit(tree)
        assert isinstance(tree, ast.Expression)
        self._body = tree.body

    def names(self) -> set[str]:
        """The data names the expression reads (what a clerk must set for the gateway)."""
        return {
            n.id
            for n in ast.walk(self._body)
            if isinstance(n, ast.Name) and n.id not in _CONSTANTS and n.id not in _FUNCTIONS
        }

    def evaluate(self, data: Mapping[str, Any]) -> Any:
        try:
            return _eval(self._body, data)
        except ExpressionError:
            raise
        except Exception as exc:  # arithmetic on wrong types, missing keys, ...
            raise ExpressionError(f"{self.source.strip()!r} failed: {exc}") from None


class Script:
    """``name = expression`` lines: the only statements a script task may hold."""

    def __init__(self, source: str) -> None:
        self.source = source
        tree = _parse(source, "exec")
        assert isinstance(tree, ast.Module)
        self._assignments: list[tuple[str, ast.expr]] = []
        for stmt in tree.body:
            if (
                not isinstance(stmt, ast.Assign)
                or len(stmt.targets) != 1
                or not isinstance(stmt.targets[0], ast.Name)
                or stmt.targets[0].id.startswith("__")
            ):
                raise ExpressionError(
                    "a script may only hold lines of the form 'name = expression'"
                )
            _Checker().visit(ast.Expression(body=stmt.value))
            self._assignments.append((stmt.targets[0].id, stmt.value))

    def execute(self, data: dict[str, Any]) -> None:
        for name, value in self._assignments:
            try:
                data[name] = _eval(value, data)
            except ExpressionError:
                raise
            except Exception as exc:
                raise ExpressionError(f"script line '{name} = ...' failed: {exc}") from None


def _guard_size(value: Any) -> Any:
    if isinstance(value, str | list | tuple | bytes) and len(value) > MAX_SEQUENCE:
        raise ExpressionError(f"a value grew beyond {MAX_SEQUENCE} items")
    if isinstance(value, int) and value.bit_length() > 256:
        raise ExpressionError("a number grew too large")
    return value


def _eval(node: ast.AST, data: Mapping[str, Any]) -> Any:
    match node:
        case ast.Constant(value=value):
            return value
        case ast.Name(id=name):
            if name in data:
                return data[name]
            if name in _CONSTANTS:
                return _CONSTANTS[name]
            raise ExpressionError(f"'{name}' is not set")
        case ast.BoolOp(op=ast.And(), values=values):
            result: Any = True
            for v in values:
                result = _eval(v, data)
                if not result:
                    return result
            return result
        case ast.BoolOp(op=ast.Or(), values=values):
            result = False
            for v in values:
                result = _eval(v, data)
                if result:
                    return result
            return result
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return not _eval(operand, data)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -_eval(operand, data)
        case ast.UnaryOp(op=ast.UAdd(), operand=operand):
            return +_eval(operand, data)
        case ast.BinOp(left=left, op=op, right=right):
            a, b = _eval(left, data), _eval(right, data)
            if isinstance(op, ast.Mult) and (
                isinstance(a, str | list | tuple) or isinstance(b, str | list | tuple)
            ):
                count = b if isinstance(a, str | list | tuple) else a
                if isinstance(count, int) and count > MAX_SEQUENCE:
                    raise ExpressionError(f"a value grew beyond {MAX_SEQUENCE} items")
            return _guard_size(_BINARY[type(op)](a, b))
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            current = _eval(left, data)
            for cmp, comp in zip(ops, comparators, strict=True):
                other = _eval(comp, data)
                if not _COMPARE[type(cmp)](current, other):
                    return False
                current = other
            return True
        case ast.IfExp(test=test, body=body, orelse=orelse):
            return _eval(body, data) if _eval(test, data) else _eval(orelse, data)
        case ast.List(elts=elts) | ast.Tuple(elts=elts):
            return [_eval(e, data) for e in elts]
        case ast.Set(elts=elts):
            return {_eval(e, data) for e in elts}
        case ast.Subscript(value=value, slice=ast.Constant(value=key)):
            return _eval(value, data)[key]
        case ast.Call(func=ast.Name(id=fname), args=args):
            return _guard_size(_FUNCTIONS[fname](*[_eval(a, data) for a in args]))
    raise ExpressionError(f"'{type(node).__name__}' is not allowed in a condition")
