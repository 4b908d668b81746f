"""Sending an escalation: the record of it, and its delivery.

Why here and not in the handler: the ``notifications`` row is part of the state change that
caused it (a step gone overdue, an escalation timer fired) and is written in its transaction,
so a notice is on record exactly when that change is; the handler (handlers/escalation.py) only
delivers the message, and never touches the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from regflow.handlers.escalation import DEFAULT, Escalation, handler_for
from regflow.services.context import Context
from regflow.store.models import Notification


def send(ctx: Context, session: Session, at: datetime, item: Escalation) -> None:
    """Record ``item`` and hand it to the configured handler (``REGFLOW_ESCALATION_HANDLER``)."""
    name = (ctx.settings.escalation_handler or "").strip() or DEFAULT
    deliver = handler_for(name)  # an unknown handler is refused before anything is written
    session.add(
        Notification(
            at=at,
            kind=item.kind,
            application_id=item.application_id,
            step_record_id=item.step_record_id,
            timer_id=item.timer_id,
            recipient=item.recipient,
            message=item.message,
            handler=name,
        )
    )
    deliver(at, item)
