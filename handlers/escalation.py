"""Escalations: telling someone that a deadline passed or an escalation timer fired.

A handler delivers the message (the default ``notification`` writes a line on the
``regflow.escalation`` logger; mail, SMS or the e-gov inbox register their own with
:func:`register`, chosen by name with ``REGFLOW_ESCALATION_HANDLER``). Recording that a notice
went out is not a handler's job: services/escalations.py writes the ``notifications`` row in the
transaction of the state change that caused it, whichever handler delivers it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from regflow.errors import ConfigError

LOG = logging.getLogger("regflow.escalation")
DEFAULT = "notification"


@dataclass(frozen=True)
class Escalation:
    """What happened, to whom it goes, and where it belongs."""

    kind: str  # "overdue" | "escalation"
    message: str
    recipient: str | None = None  # a role (lane) or a person
    application_id: int | None = None
    step_record_id: int | None = None
    timer_id: int | None = None


Handler = Callable[[datetime, Escalation], None]
_HANDLERS: dict[str, Handler] = {}


def register(name: str, handler: Handler) -> None:
    """Make ``handler`` available as ``REGFLOW_ESCALATION_HANDLER=name``."""
    _HANDLERS[name] = handler


def _log(at: datetime, item: Escalation) -> None:
    LOG.warning("%s → %s: %s", item.kind, item.recipient or "-", item.message)


register(DEFAULT, _log)


def handler_for(name: str) -> Handler:
    """The handler called ``name``; a clear error if none is."""
    handler = _HANDLERS.get(name)
    if handler is None:
        raise ConfigError(
            f"unknown escalation handler {name!r} (known: {', '.join(sorted(_HANDLERS))})"
        )
    return handler
