"""Appending to the event log: one function for every writer, so every row says the same.

Each row records who did what, when, and (for a step or application the session holds) its
state before and after; store/audit.py chains the row's hash to the previous one on insert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from regflow.store.audit import change_of
from regflow.store.models import Application, Event, StepRecord


def record(session: Session, at: datetime, kind: str, actor: str | None, **payload: Any) -> None:
    # who/what/when/before/after; the row is hash-chained on insert (store/audit.py)
    ids = (StepRecord, payload.get("step_record_id")), (Application, payload.get("application_id"))
    model, key = next(((m, k) for m, k in ids if k is not None), (Application, 0))
    tracked = session.identity_map.get(identity_key(model, key))
    if tracked is not None and "before" not in payload:
        payload.update(change_of(tracked))
    session.add(
        Event(
            at=at,
            kind=kind,
            actor=actor,
            application_id=payload.pop("application_id", None),
            step_record_id=payload.pop("step_record_id", None),
            payload=payload,
        )
    )
