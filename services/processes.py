"""Deploying BPMN files as versioned process definitions, and finding them again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from regflow.errors import ModelError, NotFound
from regflow.i18n import _
from regflow.services.context import Context
from regflow.services.events import record as record_event
from regflow.store.db import Tx
from regflow.store.models import ProcessDefinition
from regflow.workflows.loader import LoadedProcess, load_process
from regflow.workflows.validity import validity_of

_CACHE: dict[str, LoadedProcess] = {}


def cached(digest: str) -> LoadedProcess | None:
    """The parsed spec of the version with this content hash, if this process has parsed it."""
    return _CACHE.get(digest)


def loaded_by_id(
    session: Session, definition_id: int, digest: str | None = None
) -> LoadedProcess:
    """The parsed spec of a version without reading its BPMN source when it is cached: the hot
    path (every completion) reads only the version's content hash (``digest``, when the caller
    has read it already)."""
    if digest is None:
        digest = session.scalar(
            select(ProcessDefinition.source_hash).where(ProcessDefinition.id == definition_id)
        )
    if digest is None:
        raise NotFound(f"process version {definition_id} is missing")
    cached = _CACHE.get(digest)
    if cached is not None:
        return cached
    definition = session.get(ProcessDefinition, definition_id)
    assert definition is not None
    return loaded(definition)


def loaded(definition: ProcessDefinition, where: Session | Tx | None = None) -> LoadedProcess:
    """The parsed spec of a version, parsed once per process and content. A version read
    without its BPMN source (services/validity.py caches those) has it read by id, in
    ``where``'s transaction, the first time this process needs it."""
    key = definition.source_hash
    if key not in _CACHE:
        if "source" in inspect(definition).unloaded:
            if where is None:
                raise NotFound(f"process version {definition.id}: its BPMN source was not read")
            session = Tx.of(where).session
            source = session.scalar(
                select(ProcessDefinition.source).where(ProcessDefinition.id == definition.id)
            )
        else:
            source = definition.source
        _CACHE[key] = load_process(str(source).encode("utf-8"), definition.filename)
    return _CACHE[key]


def read_model(path: Path) -> tuple[bytes, LoadedProcess]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read: {exc.strerror}", file=str(path)) from None
    model = load_process(data, path.name)
    # dates that decide which version applies are checked before anything is deployed
    validity_of(model.regulation.properties, key=model.regulation.key, file=path.name, source=data)
    check_handlers(model, path.name)
    return data, model


def check_handlers(model: LoadedProcess, filename: str) -> None:
    """Refuse a model whose service task names no handler, or one regflow does not have: it
    would deploy, then stop the first application that reaches that step."""
    from regflow.handlers.registry import is_registered
    from regflow.workflows.model import StepKind

    for step in model.regulation.steps.values():
        if step.kind is StepKind.SERVICE and not is_registered(step.handler):
            what = f"unknown handler '{step.handler}'" if step.handler else "no handler"
            raise ModelError(
                f"service task '{step.name}' has {what} (see README, 'Handlers')",
                file=filename,
                line=step.line,
                element=step.id,
            )


def validate(paths: list[Path]) -> list[LoadedProcess]:
    return [read_model(p)[1] for p in paths]


@dataclass(frozen=True)
class Deployed:
    key: str
    version: int
    name: str
    created: bool


def deploy(ctx: Context, paths: list[Path]) -> list[Deployed]:
    """Validate every file first; deploy all of them in one transaction or none."""
    models = [(p, *read_model(p)) for p in paths]
    keys = [m[2].regulation.key for m in models]
    if len(set(keys)) != len(keys):
        raise ModelError("two files define the same process id: " + ", ".join(sorted(keys)))
    results = []
    now = ctx.now()
    with ctx.transaction() as session:
        for path, data, model in models:
            text = data.decode("utf-8")
            digest = hashlib.sha256(data).hexdigest()
            reg = model.regulation
            latest = latest_definition(session, reg.key, required=False)
            if latest is not None and latest.source_hash == digest:
                results.append(Deployed(reg.key, latest.version, reg.name, created=False))
                continue
            definition = ProcessDefinition(
                key=reg.key,
                version=(latest.version + 1) if latest else 1,
                name=reg.name,
                filename=path.name,
                source=text,
                source_hash=digest,
                properties=dict(reg.properties),
                deployed_at=now,
            )
            session.add(definition)
            session.flush()
            _CACHE.setdefault(digest, model)
            record_event(
                session, now, "deployed", None,
                key=reg.key, version=definition.version, file=path.name,
            )
            results.append(Deployed(reg.key, definition.version, reg.name, created=True))
    return results


def latest_definition(
    session: Session, key: str, *, required: bool = True
) -> ProcessDefinition | None:
    row = session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).first()
    if row is None and required:
        raise NotFound(
            _("no process '{key}' is deployed (see 'regflow processes')").format(key=key)
        )
    return row


def definition_version(session: Session, key: str, version: int) -> ProcessDefinition:
    row = session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.version == version
        )
    ).first()
    if row is None:
        raise NotFound(f"process '{key}' has no version {version}")
    return row


@dataclass(frozen=True)
class ProcessInfo:
    key: str
    version: int
    name: str
    routes: dict[str, str]  # route -> total normative time of its steps, as text
    deadline: str | None


def list_processes(ctx: Context) -> list[ProcessInfo]:
    from regflow.services.names import process_name
    from regflow.services.routes import route_totals

    with ctx.transaction() as session:
        newest = (
            select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
            .group_by(ProcessDefinition.key)
            .subquery()
        )
        rows = session.scalars(
            select(ProcessDefinition)
            .join(
                newest,
                (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.v),
            )
            .order_by(ProcessDefinition.key)
        ).all()
        infos = []
        for row in rows:
            reg = loaded(row).regulation
            infos.append(
                ProcessInfo(
                    key=row.key,
                    version=row.version,
                    name=process_name(reg),  # in the interface's language, if the model has it
                    routes=route_totals(reg),
                    deadline=reg.properties.get("deadline"),
                )
            )
    return infos
