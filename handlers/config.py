"""Which adapter set the handlers use, and how often a failing handler is tried again.

One setting, ``REGFLOW_HANDLERS`` (read by :class:`regflow.settings.Settings`), says it:

- ``local`` (the default): the local adapters on ``handlers/fixtures/local.json``;
- ``package.module:factory``: a real adapter set; ``factory()`` returns
  :class:`~regflow.handlers.adapters.Adapters`;
- a path to a TOML file, for retries per handler as well::

      adapters = "local"                  # or "package.module:factory"
      fixtures = "my-fixtures.json"       # local adapters only; relative to this file

      [retry]                             # every handler
      attempts = 3                        # calls in one run, the first included
      base_delay = 1.0                    # seconds before the 2nd call; doubled each time
      max_delay = 30.0
      timeout = 30.0                      # seconds a call may take; 0 = no limit

      [retry."gbdfl.lookup"]              # one handler
      attempts = 5
"""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from regflow.errors import ConfigError
from regflow.handlers.adapters import FIXTURES, Adapters, local_adapters


@dataclass(frozen=True)
class RetryPolicy:
    """How one handler is retried: ``attempts`` calls, waiting base_delay · 2^(n-1) between."""

    attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 30.0
    timeout: float = 30.0

    def delay(self, failed_attempts: int) -> float:
        """The wait after the n-th failed call: base, 2·base, 4·base... capped at max_delay."""
        return min(self.base_delay * 2 ** (failed_attempts - 1), self.max_delay)


@dataclass(frozen=True)
class HandlerConfig:
    adapters: str = "local"
    fixtures: Path = FIXTURES
    default: RetryPolicy = field(default_factory=RetryPolicy)
    policies: dict[str, RetryPolicy] = field(default_factory=dict)
    source: str = "local"

    def policy(self, handler: str | None) -> RetryPolicy:
        return self.policies.get(handler or "", self.default)

    def build_adapters(self) -> Adapters:
        """The adapter set this configuration names (local fixtures or a factory's systems)."""
        if self.adapters == "local":
            return local_adapters(self.fixtures)
        module_name, _, attr = self.adapters.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(
                f"handlers: cannot load adapter factory '{self.adapters}': {exc}"
            ) from None
        adapters = factory()
        if not isinstance(adapters, Adapters):
            raise ConfigError(
                f"handlers: '{self.adapters}' returned {type(adapters).__name__}, not Adapters"
            )
        return adapters


def _check_adapters(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: 'adapters' must be \"local\" or \"module:factory\"")
    if value != "local" and (":" not in value or value.startswith(":") or value.endswith(":")):
        raise ConfigError(f"{where}: adapters '{value}' is neither local nor module:factory")
    return value


def _policy(base: RetryPolicy, table: Any, where: str) -> RetryPolicy:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    known = {f.name for f in fields(RetryPolicy)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            known_list = ", ".join(sorted(known))
            raise ConfigError(f"{where}: unknown setting '{key}' (known: {known_list})")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: '{key}' must be a number ≥ 0, got {value!r}")
        values[key] = int(value) if key == "attempts" else float(value)
    policy = replace(base, **values)
    if policy.attempts < 1:
        raise ConfigError(f"{where}: 'attempts' must be at least 1")
    return policy


def _from_toml(path: Path) -> HandlerConfig:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read handler configuration {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"handler configuration {path}: {exc}") from None
    where = str(path)
    adapters = _check_adapters(doc.get("adapters", "local"), where)
    fixtures = FIXTURES
    if "fixtures" in doc:
        fixtures = (path.parent / str(doc["fixtures"])).resolve()
    retry = dict(doc.get("retry", {}))
    per_handler = {k: v for k, v in retry.items() if isinstance(v, dict)}
    default = _policy(
        RetryPolicy(), {k: v for k, v in retry.items() if k not in per_handler}, f"{where} [retry]"
    )
    policies = {
        name: _policy(default, table, f'{where} [retry."{name}"]')
        for name, table in per_handler.items()
    }
    unknown = set(doc) - {"adapters", "fixtures", "retry"}
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    return HandlerConfig(adapters, fixtures, default, policies, source=where)


def load_config(spec: str | None) -> HandlerConfig:
    """Read ``REGFLOW_HANDLERS``: empty or 'local', 'module:factory', or a TOML file's path."""
    spec = (spec or "local").strip()
    if spec.endswith(".toml"):
        return _from_toml(Path(spec))
    return HandlerConfig(adapters=_check_adapters(spec, "REGFLOW_HANDLERS"), source=spec)
