"""Route summaries for listing processes."""

from __future__ import annotations

from regflow.workflows.model import Regulation
from regflow.workflows.routes import describe_total, main_path, total_norm


def route_totals(reg: Regulation) -> dict[str, str]:
    routes = reg.routes or ("default",)
    return {r: describe_total(total_norm(main_path(reg, r))) for r in routes}
