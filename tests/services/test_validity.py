"""Regulations in force: each application follows the version in force on the day it was filed.

The chain is the health-sector training-documents service in its three versions, built here with
the project's builder under ONE key (the library in processes/ still has them as three keys):

* OLD  — 002_c5e1c9b19b85b767.txt:837-887, standard "...біліктілігін арттыру және қайта даярлау...":
  deadline 1 working day (002:850), counter time 30 minutes (002:852), provider hours
  Mon–Fri 08:00–20:00 = schedule ``primary_care`` (002:870). The text gives no act and no date:
  no ``in_force_from`` (in force since before the others; superseded by the next).
* STD  — 000_9107e73e90ac5f5e.txt:3-25, deadline 1 working day (000:8), counter 30 minutes (000:8),
  hours 08:30–17:30 = schedule ``health`` (000:14). Its result row cites annex 3 of the Rules on
  additional and non-formal education (000:10), i.e. the Rules of order № ҚР ДСМ-303/2020 of
  2020-12-21 (001:5). No date of entry into force in the text: ASSUMED 2021-01-04.
* DSM  — 001_9ad660aaef9edd8c.txt:35-48, list of basic requirements: 3 hours at the provider,
  30 minutes on the portal (001:39), hours 09:00–18:00 with lunch 13:00–14:00 = schedule
  ``education`` (001:45). The order was amended by № ҚР ДСМ-84 of 2022-08-18, in force 60 calendar
  days after first publication (001:13): ASSUMED published 2022-08-19 → in force 2022-10-18.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from regflow.errors import ModelError, NotFound, UsageError
from regflow.services import applications, validity
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from regflow.store.models import Event, StepRecord
from regflow.workflows.builder import ProcessBuilder
from tests.conftest import Cli, at, context

KEY = "biliktilik_quzhattary"
DSM_ACT = "№ ҚР ДСМ-303/2020 of 2020-12-21, amended by № ҚР ДСМ-84 of 2022-08-18"  # 001:5, 001:13

VERSIONS = {
    "old": {
        "deadline": "1 working day",  # 002:850
        "schedule": "primary_care",  # 002:870
        "source": "002_c5e1c9b19b85b767.txt:837-887",
    },
    "std": {
        "deadline": "1 working day",  # 000:8
        "schedule": "health",  # 000:14
        "source": "000_9107e73e90ac5f5e.txt:3-25",
        "approved_by": "№ ҚР ДСМ-303/2020 of 2020-12-21",  # 001:5 (000 cites its Rules, 000:10)
        "in_force_from": "2021-01-04",  # assumed (no date in 000)
    },
    "dsm": {
        "deadline": "3 hours",  # 001:39
        "deadline.portal": "30 minutes",  # 001:39
        "schedule": "education",  # 001:45
        "source": "001_9ad660aaef9edd8c.txt:35-48",
        "approved_by": DSM_ACT,
        "in_force_from": "2022-10-18",  # assumed: publication 2022-08-19 + 60 calendar days
    },
}


def training_model(path: Path, which: str, **extra: str) -> Path:
    """clerk accepts (30 min counter time) → officer issues (the version's deadline as norm)."""
    props = {"routes": "provider, portal", **VERSIONS[which], **extra}
    b = ProcessBuilder(key=KEY, name="Біліктілікті арттыру туралы құжаттар беру", properties=props)
    clerk = b.lane("clerk", "Кеңсе қызметкері")
    officer = b.lane("officer", "Жауапты орындаушы")
    start = b.start(clerk, "Өтініш")
    accept = b.user_task(clerk, "Құжаттарды қабылдау", norm="30 minutes", id="Task_accept")
    work = b.user_task(officer, "Құжатты беру", norm=props["deadline"], id="Task_issue")
    if which == "old":  # the older standard also had the officer's head sign (for the diff)
        sign = b.user_task(officer, "Қол қою", norm="30 minutes", id="Task_sign")
        b.chain(start, accept, work, sign, b.end(clerk, "Берілді", outcome="issued"))
    else:
        b.chain(start, accept, work, b.end(clerk, "Берілді", outcome="issued"))
    b.write(path)
    return path


@pytest.fixture
def chain_files(tmp_path: Path) -> dict[str, Path]:
    return {w: training_model(tmp_path / f"{w}.bpmn", w) for w in VERSIONS}


def deploy_chain(url: str, files: dict[str, Path]) -> None:
    """Deployed out of legal order on purpose: DSM is v1, OLD v2, STD v3."""
    ctx = context(url, at("2026-01-05 09:00"))
    for which in ("dsm", "old", "std"):
        deploy(ctx, [files[which]])


def work_accept(url: str, app_id: int, now: str) -> StepRecord:
    """Complete the clerk's acceptance at ``now``; return the officer's new step row."""
    ctx = context(url, at(now))
    (row,) = [r for r in task_list(ctx) if r.application_id == app_id]
    done = applications.complete(ctx, row.id, "clerk")
    with ctx.transaction() as session:
        step = session.get(StepRecord, done.open_steps[0])
        session.expunge(step)
    return step


def test_applications_on_both_sides_of_a_version_change_follow_their_own_version(
    db_url: str, chain_files: dict[str, Path]
) -> None:
    deploy_chain(db_url, chain_files)
    # Monday 2022-10-17: the day before DSM comes into force → STD (v3).
    before = applications.start(context(db_url, at("2022-10-17 10:00")), KEY)
    # Tuesday 2022-10-18: DSM (v1) is in force although it was deployed first.
    after = applications.start(context(db_url, at("2022-10-18 10:00")), KEY)
    assert (before.version, after.version) == (3, 1)

    old_side = work_accept(db_url, before.application_id, "2022-10-17 10:30")
    new_side = work_accept(db_url, after.application_id, "2022-10-18 10:30")
    # STD: "1 working day" = same clock time on the next working day of schedule health.
    assert (old_side.norm, old_side.due_at) == ("1 working day", at("2022-10-18 10:30"))
    # DSM: 3 working hours of schedule education from 10:30: 10:30–13:00 is 150 min, lunch
    # 13:00–14:00, the other 30 min end at 14:30.
    assert (new_side.norm, new_side.due_at) == ("3 hours", at("2022-10-18 14:30"))
    # Service deadline: STD 1 working day counted from acceptance day = close of 2022-10-17
    # (health closes 17:30); DSM 3 hours from 10:00: 10:00–13:00 is exactly 180 min, so due at
    # the lunch break, 13:00.
    assert before.deadline_at == at("2022-10-17 17:30")
    assert after.deadline_at == at("2022-10-18 13:00")


def test_oldest_undated_version_applies_before_the_first_dated_one(
    sqlite_url: str, chain_files: dict[str, Path]
) -> None:
    deploy_chain(sqlite_url, chain_files)
    app = applications.start(context(sqlite_url, at("2020-06-01 10:00")), KEY)
    assert app.version == 2  # OLD: no in_force_from, superseded on 2021-01-04 by STD


def test_version_override_needs_a_reason_and_is_logged(
    sqlite_url: str, chain_files: dict[str, Path]
) -> None:
    deploy_chain(sqlite_url, chain_files)
    ctx = context(sqlite_url, at("2022-10-18 10:00"))
    with pytest.raises(UsageError, match="--reason"):
        applications.start(ctx, KEY, version=3)
    app = applications.start(ctx, KEY, version=3, reason="filed on paper on 2022-10-17")
    assert app.version == 3
    with ctx.transaction() as session:
        (event,) = session.scalars(select(Event).where(Event.kind == "version_override")).all()
        assert event.application_id == app.application_id
        assert event.payload["reason"] == "filed on paper on 2022-10-17"
        assert event.payload["in_force"] == f"{KEY} v1"


def test_filing_after_repeal_without_successor_is_a_clear_one_line_error(
    cli: Cli, tmp_path: Path
) -> None:
    # 003_2e4deee796d008ba.txt:9-10: resolution № 55/05 of 2015-09-22, repealed by № 37/04 of
    # 30.05.2016; 2015-11-06 as in the 003 models (processes/NOTES.md).
    path = training_model(
        tmp_path / "repealed.bpmn",
        "std",
        approved_by="№ 55/05 of 2015-09-22",
        in_force_from="2015-11-06",
        repealed_on="2016-05-30",
        repealed_by="№ 37/04 of 2016-05-30",
    )
    cli("deploy", str(path))
    cli("start", KEY, at="2016-05-27T10:00")  # the last Friday it applied
    result = cli("start", KEY, at="2016-05-30T10:00", expect=1)
    assert result.stderr.splitlines() == [
        f"error: regulation {KEY} v1 (№ 55/05 of 2015-09-22) was repealed on 2016-05-30 by "
        "№ 37/04 of 2016-05-30; no regulation in force replaces it on 2016-05-30"
    ]
    early = cli("start", KEY, at="2015-11-05T10:00", expect=1)
    assert "comes into force on 2015-11-06" in early.stderr
    assert len(early.stderr.splitlines()) == 1


def test_version_without_reason_is_a_usage_error_on_the_cli(
    cli: Cli, chain_files: dict[str, Path]
) -> None:
    for which in ("dsm", "old", "std"):
        cli("deploy", str(chain_files[which]))
    result = cli("start", KEY, "--version", "2", at="2022-10-18T10:00", expect=2)
    assert "--reason" in result.stderr
    ok = cli("start", KEY, "--version", "2", "--reason", "court order", at="2022-10-18T10:00")
    assert f"started on {KEY} v2" in ok.output


def test_processes_at_a_date_lists_the_versions_then_in_force(
    cli: Cli, chain_files: dict[str, Path]
) -> None:
    for which in ("dsm", "old", "std"):
        cli("deploy", str(chain_files[which]))

    def listed(day: str) -> list[tuple[str, int]]:
        rows = json.loads(cli("processes", "--at", day, "--json").output)
        return [(r["key"], r["version"]) for r in rows]

    assert listed("2020-06-01") == [(KEY, 2)]
    assert listed("2021-06-01") == [(KEY, 3)]
    assert listed("2022-10-18") == [(KEY, 1)]
    assert "2022-10-18" in cli("processes", "--at", "2023-01-01").output
    assert "--at" in cli("processes", "--at", "yesterday", expect=2).stderr


def test_history_shows_acts_dates_and_norm_changes(
    cli: Cli, chain_files: dict[str, Path]
) -> None:
    for which in ("dsm", "old", "std"):
        cli("deploy", str(chain_files[which]))
    out = cli("history", KEY).output.splitlines()
    heads = [line for line in out if not line.startswith("  ")]
    assert [h.split(" (")[0] for h in heads] == [f"{KEY} v2", f"{KEY} v3", f"{KEY} v1"]
    assert "in force … – 2021-01-04" in heads[0]
    assert "in force 2021-01-04 – 2022-10-18" in heads[1]
    assert DSM_ACT in heads[2]
    text = "\n".join(out)
    assert "step removed: Task_sign (Қол қою)" in text
    assert "schedule: primary_care → health" in text
    assert "norm of Task_issue (Құжатты беру): 1 working day → 3 hours" in text
    assert "deadline: 1 working day → 3 hours" in text
    assert "deadline.portal: — → 30 minutes" in text


def test_comparison_shows_the_two_versions_side_by_side(
    sqlite_url: str, cli: Cli, chain_files: dict[str, Path]
) -> None:
    deploy_chain(sqlite_url, chain_files)
    # STD: filed Mon 10:00, accepted 10:30 (on norm), issued Tue 11:00: 8 h 30 min of health's
    # 08:30–17:30 (10:30–17:30 = 420 min, 08:30–11:00 = 150 min = 570 min) > due Tue 10:30.
    before = applications.start(context(sqlite_url, at("2022-10-17 10:00")), KEY)
    issue = work_accept(sqlite_url, before.application_id, "2022-10-17 10:30")
    applications.complete(context(sqlite_url, at("2022-10-18 11:00")), issue.id, "officer")
    # DSM: filed Tue 10:00, accepted 10:20 (20 min), issued 12:20 (120 min ≤ 3 hours).
    after = applications.start(context(sqlite_url, at("2022-10-18 10:00")), KEY)
    issue = work_accept(sqlite_url, after.application_id, "2022-10-18 10:20")
    applications.complete(context(sqlite_url, at("2022-10-18 12:20")), issue.id, "officer")

    rows = validity.version_comparison(context(sqlite_url, at("2022-10-19 09:00")), KEY)
    by_version = {r.version: r for r in rows}
    assert [r.version for r in rows] == [2, 3, 1]
    std, dsm = by_version[3], by_version[1]
    assert (std.applications, dsm.applications, by_version[2].applications) == (1, 1, 0)
    std_issue = next(s for s in std.steps if s.step_id == "Task_issue")
    dsm_issue = next(s for s in dsm.steps if s.step_id == "Task_issue")
    assert (std_issue.norm, std_issue.median_minutes, std_issue.over_norm_share) == (
        "1 working day", 570.0, 1.0
    )
    assert (dsm_issue.norm, dsm_issue.median_minutes, dsm_issue.over_norm_share) == (
        "3 hours", 120.0, 0.0
    )
    # Service deadline: STD due close of Mon (17:30), finished Tue → missed; DSM due 13:00 → met.
    assert (std.deadline_met_share, dsm.deadline_met_share) == (0.0, 1.0)

    out = cli("history", KEY, "--compare", at="2022-10-19T09:00").output
    assert f"{KEY} v3" in out and f"{KEY} v1" in out
    assert "1 working day" in out and "3 hours" in out
    line = next(li for li in out.splitlines() if "Құжатты беру" in li)
    assert "100%" in line and "0%" in line


def test_malformed_validity_date_is_refused_at_deploy(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = training_model(tmp_path / "bad.bpmn", "std", in_force_from="06.11.2015")
    with pytest.raises(ModelError) as err:
        deploy(context(sqlite_url, at("2026-01-05 09:00")), [path])
    assert err.value.file == "bad.bpmn" and err.value.element == KEY
    assert "in_force_from" in str(err.value) and err.value.line is not None


def test_unknown_process_is_not_found(sqlite_url: str) -> None:
    with pytest.raises(NotFound, match="no process 'nothing'"):
        applications.start(context(sqlite_url, at("2026-01-05 09:00")), "nothing")
