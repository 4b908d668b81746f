"""The main path of each route and its total normative time (what `regflow processes` shows).

The main path of a route follows the route gateway's branch for that route and, at every other
gateway, the default flow (the regular case: documents complete, no grounds for refusal).
"""

from __future__ import annotations

import re
from collections import Counter

from regflow.workflows.model import Regulation, Step
from regflow.workflows.norms import Norm, NormUnit

_ROUTE_CONDITION = re.compile(r"""^\s*route\s*==\s*["']([^"']+)["']\s*$""")


def main_path(reg: Regulation, route: str | None) -> list[Step]:
    return [reg.steps[n] for n in main_path_nodes(reg, route) if n in reg.steps]


def main_outcome(reg: Regulation, route: str | None) -> str | None:
    """The outcome of the end event the main path reaches."""
    nodes = main_path_nodes(reg, route)
    return reg.end_outcomes.get(nodes[-1]) if nodes else None


def main_path_nodes(reg: Regulation, route: str | None) -> list[str]:
    nodes: list[str] = []
    node = reg.start_ids[0] if reg.start_ids else None
    while node is not None and node not in nodes:
        nodes.append(node)
        out = reg.flows.get(node, ())
        if not out:
            break
        chosen = None
        if len(out) > 1:
            for flow in out:
                match = _ROUTE_CONDITION.match(flow.condition or "")
                if match and match.group(1) == route:
                    chosen = flow
            if chosen is None:
                chosen = next((f for f in out if f.default), None) or out[0]
        else:
            chosen = out[0]
        node = chosen.target
    return nodes


def total_norm(steps: list[Step]) -> Counter[NormUnit]:
    totals: Counter[NormUnit] = Counter()
    for step in steps:
        if step.norm is not None:
            totals[step.norm.unit] += step.norm.amount
    return totals


def describe_total(totals: Counter[NormUnit]) -> str:
    parts = []
    for unit in NormUnit:
        if totals.get(unit):
            parts.append(str(Norm(amount=totals[unit], unit=unit, text="")))
    return " + ".join(parts) if parts else "no norms"
