"""The tamper-evident event log: every Event row is a link in one sha256 hash chain.

Why here and not in each service: any code that adds an ``Event`` to a session (applications,
deployments, filings, incidents, timers...) gets its row chained by the mapper hook that
:func:`install` registers, so no writer can forget it. The hash of a row covers a canonical JSON
of its content (sequence number, instant, kind, actor, application, step, payload) and the
previous row's hash; changing, deleting or inserting a row breaks the chain at that row, which
:func:`verify` names.

Linear under concurrency: the newest link lives in the one-row table ``audit_head``; a writer
locks it inside its own transaction on PostgreSQL (the plain path's INSERT takes it with ``FOR
UPDATE`` and links the row in SQL; the ORM path reads it with ``SELECT ... FOR UPDATE``) —
SQLite's ``BEGIN IMMEDIATE`` already serialises writers — so two transactions never build on
the same link. The head is moved by a trigger on ``events`` (migration 0009) as each row is
inserted.
What the chain cannot show: someone able to rewrite *every* row after the change and the head
as well; keep the head hash that ``regflow audit verify`` prints somewhere else (a daily
e-mail, a signed report) to anchor it, and on PostgreSQL use the roles of store/pg_roles.sql.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    Connection,
    Insert,
    String,
    Table,
    TypeDecorator,
    bindparam,
    cast,
    event,
    func,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import column, table

from regflow.errors import StateError
from regflow.store.prepared import Prepared

GENESIS = "0" * 64
HEAD_ID = 1

_head = table("audit_head", column("id"), column("seq"), column("hash"))
_actor: ContextVar[str | None] = ContextVar("regflow_audit_actor", default=None)


def _plain(value: Any) -> Any:
    """The value as it comes back from a JSON column (tuples → lists, keys → strings)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def canonical(content: dict[str, Any]) -> bytes:
    """One byte string per content: sorted keys, no spaces, UTF-8 (Kazakh stays readable)."""
    return json.dumps(
        _plain(content), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


def _instant(at: datetime | None) -> str | None:
    if at is None:
        return None
    if at.tzinfo is None:  # SQLite hands UTC back naive when read outside the mapper
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def content_of(row: Any) -> dict[str, Any]:
    """What the hash of an Event row covers (everything but its id and the hashes)."""
    return _content(
        row.seq, row.at, row.kind, row.actor, row.application_id, row.step_record_id, row.payload
    )


def _content(
    seq: int, at: datetime | None, kind: str, actor: str | None, application_id: int | None,
    step_record_id: int | None, payload: Any,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": _instant(at),
        "kind": kind,
        "actor": actor,
        "application_id": application_id,
        "step_record_id": step_record_id,
        "payload": payload,
    }


_dumps = json.dumps


def _canonical_text(
    seq: int, at: datetime | None, kind: str, actor: str | None, application_id: int | None,
    step_record_id: int | None, payload_text: str,
) -> bytes:
    """:func:`canonical` of an event's content, assembled around its (plain) payload already
    dumped canonically: one JSON encoding of the payload instead of two, and no round trip of
    the whole content. tests/store/test_audit.py checks that both give the same bytes."""
    before, after = _canonical_around_seq(
        at, kind, actor, application_id, step_record_id, payload_text
    )
    return f"{before}{seq}{after}".encode()


def _canonical_around_seq(
    at: datetime | None, kind: str, actor: str | None, application_id: int | None,
    step_record_id: int | None, payload_text: str,
) -> tuple[str, str]:
    """The canonical text before and after the sequence number (an integer, written as JSON
    writes it): PostgreSQL puts the number in between itself (:data:`_INSERT_LINKED_IN_SQL`)."""
    return (
        f'{{"actor":{_dumps(actor, ensure_ascii=False)},'
        f'"application_id":{_dumps(application_id)},"at":{_dumps(_instant(at))},'
        f'"kind":{_dumps(kind, ensure_ascii=False)},"payload":{payload_text},"seq":',
        f',"step_record_id":{_dumps(step_record_id)}}}',
    )


def link_hash(content: dict[str, Any], prev_hash: str) -> str:
    """sha256 over the previous link and the row's canonical content."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(content)).hexdigest()


# built once: building a statement costs more than running it on every append. Nothing here
# writes the head: the database's trigger events_move_head (migration 0009) moves it to each
# event as the event is inserted.
_READ_HEAD = select(_head.c.seq, _head.c.hash).where(_head.c.id == HEAD_ID)
_LOCK_HEAD = _READ_HEAD.with_for_update()

_READ_HEAD_FAST = Prepared(_READ_HEAD)
_LOCK_HEAD_FAST = Prepared(_LOCK_HEAD)


# Migration 0004 writes the head row (at the genesis link when the log is empty) and nothing
# deletes it; a database without one has lost the chain's anchor, and neither path guesses it.
_NO_HEAD = (
    "the event log's head row (audit_head) is missing, so no event can be chained; "
    "`regflow audit verify` shows where the chain stands"
)


def _lock_head(connection: Connection) -> tuple[int, str]:
    query = _READ_HEAD_FAST if connection.dialect.name == "sqlite" else _LOCK_HEAD_FAST
    row = query.run(connection).first()
    if row is None:
        raise StateError(_NO_HEAD)
    return int(row[0]), str(row[1])


_HEAD_STATE = "regflow_audit_head"  # connection.info: [transaction, seq, hash]


def _innermost(connection: Connection) -> Any:
    """The savepoint or transaction the head state belongs to."""
    return connection.get_nested_transaction() or connection.get_transaction()


def _head_in_hand(connection: Connection) -> bool:
    """Has the innermost transaction (or savepoint) read the head already? Only the ORM path's
    reads keep it (:func:`_chain`); an event linked in SQL drops what was kept (:func:`append`),
    so the next reader, at any level, takes the head from the database again."""
    state: list[Any] | None = connection.info.get(_HEAD_STATE)
    return state is not None and state[0] is _innermost(connection)


def _head_state(connection: Connection) -> list[Any]:
    """The newest link as this transaction sees it: read and locked once per transaction (or
    savepoint), then carried forward in memory as the transaction appends rows. On PostgreSQL
    only the ORM path reads it here (the plain path's INSERT takes the head itself); in a
    pipeline (store/prepared.py) this read also sends the writes queued before it."""
    if not _head_in_hand(connection):
        seq, prev = _lock_head(connection)
        connection.info[_HEAD_STATE] = [_innermost(connection), seq, prev]
    state: list[Any] = connection.info[_HEAD_STATE]
    return state


# The head as two scalar subqueries, for a statement that reads it along with other rows
# (store/records.py, a completion's locking read on SQLite): then :func:`known_head`.
HEAD_COLUMNS = (
    select(_head.c.seq).where(_head.c.id == HEAD_ID).scalar_subquery().label("head_seq"),
    select(_head.c.hash).where(_head.c.id == HEAD_ID).scalar_subquery().label("head_hash"),
)


def known_head(connection: Connection, seq: int | None, digest: str | None) -> None:
    """The head as the caller read it in this transaction, with writers already locked out
    (SQLite's ``BEGIN IMMEDIATE``): the transaction's first append then reads it no more.
    Not for PostgreSQL, where each event's INSERT locks the head (:func:`_linked_in_sql`).
    No head row (``seq`` None): left to the first append, which refuses to chain."""
    if seq is None or digest is None:
        return
    connection.info[_HEAD_STATE] = [_innermost(connection), int(seq), str(digest)]


def _chain(_mapper: Any, connection: Connection, target: Any) -> None:
    """An Event added to an ORM session: chained as it is inserted (see :func:`install`)."""
    if target.actor is None:
        target.actor = _actor.get()
    state = _head_state(connection)
    target.seq = state[1] + 1
    target.prev_hash = state[2]
    target.hash = link_hash(content_of(target), state[2])
    state[1], state[2] = target.seq, target.hash


class _EncodedJSON(TypeDecorator[str]):
    """A JSON column's value given as its JSON text already: the payload's canonical text is
    stored as it is (a JSON column parses it back to the same value), so it is encoded once."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:  # type: ignore[override]
        return None


def _payload_text(payload: dict[str, Any]) -> str:
    """The payload as canonical JSON text, which is also what the row stores: dumped as it is
    what the JSON column gives back (tuples as lists, keys as text, other values as text), so
    verify() reading the row back hashes the same bytes."""
    if _text_keys_only(payload):
        return _dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)
    # keys that are numbers sort as numbers, but as text once the row is read back: sort the
    # value the JSON column will give back instead
    return _dumps(_plain(payload), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


_NESTED = (dict, list, tuple)


def _text_keys_only(value: Any) -> bool:
    # Only containers are looked into: a payload is mostly plain values (one call per payload
    # and per nested container, not per value).
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            return False
        inner = value.values()
    else:
        inner = value
    return all(_text_keys_only(v) for v in inner if isinstance(v, _NESTED))


def install(event_class: type) -> None:
    """Chain every row of ``event_class`` as it is inserted (called once by store/models.py)."""
    global _INSERT_EVENT, _INSERT_LINKED_IN_SQL
    events = event_class.__table__  # type: ignore[attr-defined]
    values = {
        c.name: bindparam(c.name, type_=_EncodedJSON() if c.name == "payload" else c.type)
        for c in events.c
        if c.name != "id"
    }
    _INSERT_EVENT = Prepared(events.insert().values(values).inline())  # no RETURNING
    _INSERT_LINKED_IN_SQL = Prepared(_linked_in_sql(events, values))
    if not event.contains(event_class, "before_insert", _chain):
        event.listen(event_class, "before_insert", _chain)


_INSERT_EVENT: Prepared | None = None  # set by install()
_INSERT_LINKED_IN_SQL: Prepared | None = None  # set by install(); PostgreSQL only


def _linked_in_sql(events: Table, values: dict[str, BindParameter[Any]]) -> Insert:
    """PostgreSQL: one INSERT that locks the head, takes the next number and the previous hash
    from it and computes the new hash (its sha256() over the same bytes as :func:`link_hash`,
    the canonical text around the number coming from Python), while the trigger of migration
    0009 moves the head on. Why: read in Python, the head was an answer to wait for in the
    middle of a completion's pipeline; in SQL it travels with the other writes (store/prepared.py)
    and the completion waits for one answer less. The head is still locked only here, as late
    as the transaction can."""
    head = _head.alias("h")
    seq = head.c.seq + 1
    text_type = String()
    linked = func.concat(
        head.c.hash, "\n", bindparam("before", type_=text_type), cast(seq, text_type),
        bindparam("after", type_=text_type),
    )
    digest = func.encode(func.sha256(func.convert_to(linked, "UTF8")), "hex")
    given = [n for n in values if n not in ("seq", "prev_hash", "hash")]
    rows = (
        select(*(values[n] for n in given), seq, head.c.hash, digest)
        .where(head.c.id == HEAD_ID)
        .with_for_update()
    )
    return events.insert().from_select([*given, "seq", "prev_hash", "hash"], rows)


def _one_head(count: int) -> None:
    if count != 1:  # no head row: the INSERT's SELECT found nothing to link to
        raise StateError(_NO_HEAD)


def append(
    connection: Connection,
    *,
    at: datetime,
    kind: str,
    actor: str | None,
    application_id: int | None,
    step_record_id: int | None,
    payload: dict[str, Any],
) -> None:
    """Append one event as a plain INSERT (no ORM unit of work: the completion hot path); the
    database's trigger moves the head to it. The same chain state as ORM-added events, so both
    kinds interleave in one transaction. On PostgreSQL, unless the innermost transaction or
    savepoint has the head in hand already, the INSERT takes it and links the row itself
    (:func:`_linked_in_sql`), and any head kept in memory, at any level, is dropped: the
    database has moved past it."""
    assert _INSERT_EVENT is not None and _INSERT_LINKED_IN_SQL is not None, (
        "store.models installs the chain on import"
    )
    if actor is None:
        actor = _actor.get()
    payload_text = _payload_text(payload)
    if connection.dialect.name == "postgresql" and not _head_in_hand(connection):
        before, after = _canonical_around_seq(
            at, kind, actor, application_id, step_record_id, payload_text
        )
        _INSERT_LINKED_IN_SQL.run(connection, {
            "at": at, "kind": kind, "actor": actor, "application_id": application_id,
            "step_record_id": step_record_id, "payload": payload_text,
            "before": before, "after": after,
        }).on_rowcount(_one_head)
        connection.info.pop(_HEAD_STATE, None)
        return
    state = _head_state(connection)
    seq = state[1] + 1
    digest = hashlib.sha256(
        state[2].encode("ascii") + b"\n"
        + _canonical_text(seq, at, kind, actor, application_id, step_record_id, payload_text)
    ).hexdigest()
    _INSERT_EVENT.run(
        connection,
        {
            "at": at,
            "kind": kind,
            "actor": actor,
            "application_id": application_id,
            "step_record_id": step_record_id,
            "payload": payload_text,
            "seq": seq,
            "prev_hash": state[2],
            "hash": digest,
        },
    )
    state[1], state[2] = seq, digest


@contextmanager
def acting_as(user: str | None) -> Iterator[None]:
    """Events written inside the block without an actor are signed with ``user``."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


@dataclass(frozen=True)
class Verdict:
    """The result of walking the chain: ``problem`` is None when every link holds."""

    events: int
    head_seq: int
    head_hash: str
    problem: str | None = None
    event_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(connection: Connection) -> Verdict:
    """Walk the chain in sequence order and name the first row that breaks it."""
    from regflow.store.models import Event

    head = connection.execute(
        select(_head.c.seq, _head.c.hash).where(_head.c.id == HEAD_ID)
    ).first()
    head_seq, head_hash = (int(head.seq), str(head.hash)) if head else (0, GENESIS)
    stray = connection.execute(
        select(Event.id).where(Event.seq.is_(None)).order_by(Event.id).limit(1)
    ).scalar()
    if stray is not None:
        return Verdict(
            0, head_seq, head_hash, f"event {stray} was inserted outside the chain (no seq)", stray
        )
    events = Event.__table__
    rows = connection.execution_options(yield_per=2000).execute(
        select(events).order_by(events.c.seq)
    )
    try:
        return _walk(rows, head_seq, head_hash)
    finally:
        rows.close()  # a verdict may come before the last row: release the server cursor


def _walk(rows: Any, head_seq: int, head_hash: str) -> Verdict:
    expected, prev, prev_id, count = 1, GENESIS, None, 0
    for row in rows:
        count += 1
        if row.seq != expected:
            gone = f"{expected}" if row.seq == expected + 1 else f"{expected}–{row.seq - 1}"
            where = f"after event {prev_id}" if prev_id else "at the start"
            return Verdict(
                count,
                head_seq,
                head_hash,
                f"event(s) at chain position {gone} were deleted ({where}, before event {row.id})",
                row.id,
            )
        if row.prev_hash != prev:
            return Verdict(
                count,
                head_seq,
                head_hash,
                f"event {row.id} does not follow event {prev_id}: its prev_hash is not that "
                f"row's hash (event {prev_id} was rewritten, or event {row.id} was inserted "
                "out of order)",
                row.id,
            )
        if row.hash != link_hash(content_of(row), prev):
            return Verdict(
                count,
                head_seq,
                head_hash,
                f"event {row.id} ({row.kind}, chain position {row.seq}) was changed after it "
                "was written: its content no longer matches its hash",
                row.id,
            )
        expected, prev, prev_id = expected + 1, row.hash, row.id
    if (expected - 1, prev) != (head_seq, head_hash):
        return Verdict(
            count,
            head_seq,
            head_hash,
            f"the chain ends at position {expected - 1} but its head says {head_seq}: the newest "
            "events were deleted, or the head was changed",
            prev_id,
        )
    return Verdict(count, head_seq, head_hash)


def _remember(fields: tuple[str, ...]) -> Any:
    def on_load(target: Any, _context: Any) -> None:
        target._audit_before = {f: getattr(target, f) for f in fields}

    return on_load


def track(model: type, fields: tuple[str, ...]) -> None:
    """Remember ``fields`` of every ``model`` row as loaded, for the before/after of events."""
    listener = _remember(fields)
    event.listen(model, "load", listener)
    model._audit_fields = fields  # type: ignore[attr-defined]


def change_of(obj: Any) -> dict[str, Any]:
    """``{"before": ..., "after": ...}`` of a tracked row; ``before`` is None for a new row.

    The row's remembered state moves on, so a second event in the same transaction starts from
    the first one's ``after``.
    """
    fields = getattr(type(obj), "_audit_fields", ())
    after = {f: getattr(obj, f) for f in fields}
    before = getattr(obj, "_audit_before", None)
    obj._audit_before = after
    return {"before": before, "after": after}
