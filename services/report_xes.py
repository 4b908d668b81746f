"""The step history as an IEEE 1849 XES event log, for process-mining tools (ProM, Disco,
Celonis, pm4py).

One trace per application (``concept:name`` = application id), one ``start`` event when a person
took the step (claimed it; a step completed without a claim starts when it is completed) and one
``complete`` event when it was done, with ``org:resource`` = the user and ``org:role`` = the
lane. Cancelled and never-taken steps have no events. Timestamps carry the provider zone's
offset. The file is streamed with lxml, so a large history never sits in memory at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import chain, groupby
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import select

from regflow.services.context import Context
from regflow.services.report_filter import ReportFilter
from regflow.store.models import Application, StepRecord, StepStatus

XES_NS = "http://www.xes-standard.org/"
EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
)


@dataclass(frozen=True)
class XesExport:
    path: Path
    cases: int
    events: int


def _timestamp(value: datetime, tz: tzinfo) -> str:
    return value.astimezone(tz).isoformat(timespec="milliseconds")


def _q(tag: str) -> str:
    return f"{{{XES_NS}}}{tag}"


def _attrs(xf: Any, items: list[tuple[str, str, str]]) -> None:
    for tag, key, value in items:
        xf.write(etree.Element(_q(tag), key=key, value=value))


def export_xes(ctx: Context, path: Path, flt: ReportFilter | None = None) -> XesExport:
    """Write the history of the filtered applications' steps to ``path``."""
    flt = flt or ReportFilter()
    tz = ctx.clock.tz
    query = (
        select(
            StepRecord.application_id,
            Application.process_key,
            Application.route,
            StepRecord.name,
            StepRecord.step_id,
            StepRecord.role,
            StepRecord.status,
            StepRecord.claimed_at,
            StepRecord.claimed_by,
            StepRecord.completed_at,
            StepRecord.completed_by,
        )
        .join(Application, Application.id == StepRecord.application_id)
        .where(StepRecord.status.in_((StepStatus.COMPLETED.value, StepStatus.CLAIMED.value)))
        .where(*flt.step_conditions())
        .order_by(StepRecord.application_id, StepRecord.ready_at, StepRecord.id)
    )
    cases = events = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with ctx.transaction() as session, etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        log_attrs = {"xes.version": "1.0", "xes.features": "nested-attributes"}
        with xf.element(_q("log"), log_attrs, nsmap={None: XES_NS}):
            for name, prefix, uri in EXTENSIONS:
                xf.write(etree.Element(_q("extension"), name=name, prefix=prefix, uri=uri))
            xf.write(etree.Element(_q("classifier"), name="Activity", keys="concept:name"))
            _attrs(xf, [("string", "concept:name", "regflow step history")])
            rows = session.execute(query).yield_per(2000)
            for app_id, steps in groupby(rows, key=lambda r: r.application_id):
                cases += 1
                with xf.element(_q("trace")):
                    first = next(steps)
                    _attrs(
                        xf,
                        [
                            ("string", "concept:name", str(app_id)),
                            ("string", "process", first.process_key),
                            ("string", "route", first.route or ""),
                        ],
                    )
                    for row in chain([first], steps):
                        events += _events(xf, row, tz)
    return XesExport(path=path, cases=cases, events=events)


def _events(xf: Any, row: Any, tz: tzinfo) -> int:
    """A taken step's ``start`` event and, once done, its ``complete`` event."""
    moments = [("start", row.claimed_at or row.completed_at, row.claimed_by or row.completed_by)]
    if row.status == StepStatus.COMPLETED.value:
        moments.append(("complete", row.completed_at, row.completed_by))
    for transition, when, who in moments:
        with xf.element(_q("event")):
            _attrs(
                xf,
                [
                    ("string", "concept:name", row.name),
                    ("string", "step_id", row.step_id),
                    ("string", "lifecycle:transition", transition),
                    ("string", "org:resource", who or ""),
                    ("string", "org:role", row.role or ""),
                    ("date", "time:timestamp", _timestamp(when, tz)),
                ],
            )
    return len(moments)
