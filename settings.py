"""Settings, built once at the edge (the CLI) from options and ``REGFLOW_*`` variables.

Services receive a :class:`Settings` explicitly; nothing inside regflow reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TZ = "Asia/Almaty"


def default_database_url() -> str:
    return f"sqlite:///{Path('regflow.db').resolve()}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    tz: str = DEFAULT_TZ
    now: str | None = None  # simulated time: "2026-07-03T17:45"
    calendar_dir: Path | None = None
    handlers: str = "local"  # adapter set: local | module:factory | path to a TOML file
    escalation_handler: str = ""  # who delivers escalations (handlers/escalation.py); "" = log

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get("REGFLOW_DATABASE_URL"):
            values["database_url"] = env["REGFLOW_DATABASE_URL"]
        if env.get("REGFLOW_TZ"):
            values["tz"] = env["REGFLOW_TZ"]
        if env.get("REGFLOW_NOW"):
            values["now"] = env["REGFLOW_NOW"]
        if env.get("REGFLOW_CALENDAR_DIR"):
            values["calendar_dir"] = Path(env["REGFLOW_CALENDAR_DIR"])
        if env.get("REGFLOW_HANDLERS"):
            values["handlers"] = env["REGFLOW_HANDLERS"]
        if env.get("REGFLOW_ESCALATION_HANDLER"):
            values["escalation_handler"] = env["REGFLOW_ESCALATION_HANDLER"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
