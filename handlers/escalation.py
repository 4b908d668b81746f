"""Escalations: telling someone that a deadline passed or an escalation timer fired.

The default handler ``notification`` writes a row in ``notifications`` (in the caller's
transaction, so a notice is recorded exactly when the state change that caused it is) and a log
line on the ``regflow.escalation`` logger. Other handlers (mail, SMS, the e-gov inbox) register
with :func:`register` and are chosen by name with ``REGFLOW_ESCALATION_HANDLER``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from regflow.errors import ConfigError
from regflow.store.models import Notification

LOG = logging.getLogger("regflow.escalation")


@dataclass(frozen=True)
class Escalation:
    """What happened, to whom it goes, and where it belongs."""

    kind: str  # "overdue" | "escalation"
    message: str
    recipient: str | None = None  # a role (lane) or a person
    application_id: int | None = None
    step_record_id: int | None = None
    timer_id: int | None = None


Handler = Callable[[Session, datetime, Escalation], None]
_HANDLERS: dict[str, Handler] = {}


def register(name: str, handler: Handler) -> None:
    """Make ``handler`` available as ``REGFLOW_ESCALATION_HANDLER=name``."""
    _HANDLERS[name] = handler


def _notification(session: Session, at: datetime, item: Escalation) -> None:
    session.add(
        Notification(
            at=at,
            kind=item.kind,
            application_id=item.application_id,
            step_record_id=item.step_record_id,
            timer_id=item.timer_id,
            recipient=item.recipient,
            message=item.message,
            handler="notification",
        )
    )
    LOG.warning("%s → %s: %s", item.kind, item.recipient or "-", item.message)


register("notification", _notification)


def send(session: Session, at: datetime, item: Escalation) -> None:
    """Send one escalation through the configured handler (default: ``notification``)."""
    name = os.environ.get("REGFLOW_ESCALATION_HANDLER", "").strip() or "notification"
    handler = _HANDLERS.get(name)
    if handler is None:
        raise ConfigError(
            f"unknown escalation handler {name!r} (known: {', '.join(sorted(_HANDLERS))})"
        )
    handler(session, at, item)
