"""The wheelchair regulation worked through the CLI on simulated time, step by step.

Seed 003_2e4deee796d008ba.txt, regulation "Мүгедектерге кресло-арбалар беру" (heading at line
406), section 2, steps 1)–5): clerk registers in 30 minutes → head assigns in 1 working day →
officer prepares in 8 working days → head signs in 1 working day → clerk issues in 30 minutes.

Schedule "akimat": Mon–Fri 09:00–13:00 and 14:30–18:30, i.e. 480 working minutes a day.
2026-07-06 (Monday) is Capital Day, a public holiday.
"""

from __future__ import annotations

import json
import re

from tests.conftest import PROCESSES, Cli


def _wheelchair_file() -> str:
    for path in sorted(PROCESSES.glob("*.bpmn")):
        if 'name="Мүгедектерге кресло-арбалар беру"' in path.read_text(encoding="utf-8"):
            return str(path)
    raise AssertionError("processes/ has no model of 'Мүгедектерге кресло-арбалар беру'")


def _open_task(cli: Cli, at: str) -> dict:
    rows = json.loads(cli("tasks", "--json", at=at).output)
    assert len(rows) == 1, rows
    return rows[0]


def test_wheelchair_regulation_records_working_time_of_every_step(any_cli: Cli) -> None:
    cli = any_cli
    cli("deploy", _wheelchair_file())
    out = cli("start", "kreslo_arba_beru", "--json", at="2026-07-02T17:45").output
    app_id = json.loads(out)["application_id"]

    # 1) clerk, norm 30 minutes (line 424): Thu 17:45 → 18:15 = 30 working minutes.
    task = _open_task(cli, "2026-07-02T17:45")
    assert (task["role"], task["norm"]) == ("clerk", "30 minutes")
    cli("claim", str(task["id"]), "--user", "aigul", at="2026-07-02T17:50")
    cli("complete", str(task["id"]), "--user", "aigul", at="2026-07-02T18:15")

    # 2) head, 1 working day (line 428): due Fri 18:15. Done Fri 17:00:
    #    Thu 18:15–18:30 = 15, Fri 09:00–13:00 = 240, 14:30–17:00 = 150 → 405 minutes.
    task = _open_task(cli, "2026-07-02T18:20")
    assert (task["role"], task["due_at"][:16]) == ("head", "2026-07-03T18:15")
    cli("complete", str(task["id"]), "--user", "bolat", at="2026-07-03T17:00")

    # 3) officer, 8 working days (line 432), spans the weekend and Capital Day (Mon 07-06):
    #    Fri 17:00–18:30 = 90, Sat/Sun/Mon = 0, Tue 480, Wed 09:00–10:00 = 60 → 630 minutes.
    task = _open_task(cli, "2026-07-03T17:00")
    assert task["role"] == "officer"
    cli("complete", str(task["id"]), "--user", "dana", at="2026-07-08T10:00")
    step = _open_task(cli, "2026-07-08T10:00")

    # 4) head signs, 1 working day (line 436): Wed 10:00–13:00 = 180 + 14:30–15:00 = 30 → 210.
    assert step["role"] == "head"
    cli("complete", str(step["id"]), "--user", "bolat", at="2026-07-08T15:00")

    # 5) clerk issues, 30 minutes (line 440): 15:00 → 15:20 = 20 minutes.
    task = _open_task(cli, "2026-07-08T15:00")
    assert task["role"] == "clerk"
    done = cli("complete", str(task["id"]), "--user", "aigul", at="2026-07-08T15:20").output
    assert f"application {app_id} finished: issued" in done

    timeline = json.loads(cli("show", str(app_id), "--json", at="2026-07-08T15:30").output)
    minutes = [s["working_minutes"] for s in timeline["steps"]]
    assert minutes == [30, 405, 630, 210, 20]
    # Whole application: Thu 45 + Fri 480 + Tue 480 + Wed (240 + 50) = 1295 = sum of the steps.
    assert timeline["working_minutes"] == 1295 == sum(minutes)
    assert [s["overdue"] for s in timeline["steps"]] == [False, False, False, False, False]
    assert [s["actor"] for s in timeline["steps"]] == ["aigul", "bolat", "dana", "bolat", "aigul"]
    shown = cli("show", str(app_id), at="2026-07-08T15:30").output
    assert re.search(r"1 wd", shown)
