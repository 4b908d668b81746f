"""Appending to the event log: one function for every writer, so every row says the same.

Each row records who did what, when, and the state before and after of the step (or else the
application) it is about: the caller says it with ``change`` when it changed the row with a plain
statement (the completion hot path, store/records.py), or the row is one the session tracks
(store/audit.py remembers its fields as loaded). The row is written at once, hash-chained to the
previous one (store/audit.py ``append``), so later statements of the same transaction see it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from regflow.store.audit import append, change_of
from regflow.store.db import Tx
from regflow.store.models import Application, StepRecord

Change = tuple[dict[str, Any] | None, dict[str, Any]]  # (before, after) of the row's fields


def record(
    where: Session | Tx,
    at: datetime,
    kind: str,
    actor: str | None,
    *,
    change: Change | None = None,
    tracked: bool = True,
    **payload: Any,
) -> None:
    """Log ``kind`` by ``actor`` at ``at``; ``application_id`` and ``step_record_id`` in the
    payload become the row's own columns. ``tracked=False``: the event changes no row (it only
    names one), so no before/after is looked up."""
    if change is not None:
        payload["before"], payload["after"] = change
    tx = Tx.of(where)
    session, connection = tx.open_session, tx.connection
    if change is None and tracked and session is not None and "before" not in payload:
        ids = (
            (StepRecord, payload.get("step_record_id")),
            (Application, payload.get("application_id")),
        )
        model, key = next(((m, k) for m, k in ids if k is not None), (Application, 0))
        row = session.identity_map.get(identity_key(model, key))
        if row is not None:
            payload.update(change_of(row))
    append(
        connection,
        at=at,
        kind=kind,
        actor=actor,
        application_id=payload.pop("application_id", None),
        step_record_id=payload.pop("step_record_id", None),
        payload=payload,
    )
