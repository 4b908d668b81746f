"""The wheelchair regulation worked through the CLI on simulated time, step by step.

Seed 003_2e4deee796d008ba.txt, regulation "Мүгедектерге кресло-арбалар беру" (heading at line
406), section 2, steps 1)–5): clerk registers in 30 minutes (line 424) → head assigns in 1
working day (428) → officer prepares in 8 working days (432) → head signs in 1 working day (436)
→ clerk issues in 30 minutes (440). The regulation was in force from late 2015 until its repeal
on 30 May 2016 (line 9), so the application is filed in March 2016.

Schedule "akimat": Mon–Fri 09:00–13:00 and 14:30–18:30, i.e. 480 working minutes a day.
2016-03-21, 22 and 23 (Monday to Wednesday) are the Nauryz holidays.
"""

from __future__ import annotations

import json

from tests.conftest import PROCESSES, Cli


def _open_task(cli: Cli, at: str) -> dict:
    rows = json.loads(cli("tasks", "--json", at=at).output)
    assert len(rows) == 1, rows
    return rows[0]


def test_wheelchair_regulation_records_working_time_of_every_step(any_cli: Cli) -> None:
    cli = any_cli
    cli("deploy", str(PROCESSES / "kreslo_arba_beru.bpmn"))
    out = cli("start", "kreslo_arba_beru", "--json", at="2016-03-17T17:45").output
    app_id = json.loads(out)["application_id"]

    # 1) clerk, 30 minutes: Thu 17:45 → 18:15 = 30 working minutes.
    task = _open_task(cli, "2016-03-17T17:45")
    assert (task["role"], task["norm"]) == ("clerk", "30 minutes")
    cli("claim", str(task["id"]), "--user", "aigul", at="2016-03-17T17:50")
    cli("complete", str(task["id"]), "--user", "aigul", at="2016-03-17T18:15")

    # 2) head, 1 working day: due Fri 18:15. Done Fri 17:00:
    #    Thu 18:15–18:30 = 15, Fri 09:00–13:00 = 240, 14:30–17:00 = 150 → 405 minutes.
    task = _open_task(cli, "2016-03-17T18:20")
    assert (task["role"], task["due_at"][:16]) == ("head", "2016-03-18T18:15")
    cli("complete", str(task["id"]), "--user", "bolat", at="2016-03-18T17:00")

    # 3) officer, 8 working days; the step spans the weekend and the Nauryz holidays:
    #    Fri 17:00–18:30 = 90, Sat–Wed = 0, Thu 09:00–10:00 = 60 → 150 minutes.
    task = _open_task(cli, "2016-03-18T17:00")
    assert task["role"] == "officer"
    cli("complete", str(task["id"]), "--user", "dana", at="2016-03-24T10:00")

    # 4) head signs, 1 working day: Thu 10:00–13:00 = 180 + 14:30–15:00 = 30 → 210.
    task = _open_task(cli, "2016-03-24T10:00")
    assert task["role"] == "head"
    cli("complete", str(task["id"]), "--user", "bolat", at="2016-03-24T15:00")

    # 5) clerk issues, 30 minutes: 15:00 → 15:20 = 20 minutes.
    task = _open_task(cli, "2016-03-24T15:00")
    assert task["role"] == "clerk"
    done = cli("complete", str(task["id"]), "--user", "aigul", at="2016-03-24T15:20").output
    assert f"application {app_id} finished: issued" in done

    timeline = json.loads(cli("show", str(app_id), "--json", at="2016-03-24T15:30").output)
    minutes = [s["working_minutes"] for s in timeline["steps"]]
    assert minutes == [30, 405, 150, 210, 20]
    # Whole application: Thu 45 + Fri 480 + Thu (240 + 50) = 815 = the sum of the steps.
    assert timeline["working_minutes"] == 815 == sum(minutes)
    assert [s["overdue"] for s in timeline["steps"]] == [False] * 5
    assert [s["actor"] for s in timeline["steps"]] == ["aigul", "bolat", "dana", "bolat", "aigul"]
    assert "6 h 45 min" in cli("show", str(app_id), at="2016-03-24T15:30").output  # 405 min


def test_filing_after_the_repeal_is_refused(any_cli: Cli) -> None:
    any_cli("deploy", str(PROCESSES / "kreslo_arba_beru.bpmn"))
    result = any_cli("start", "kreslo_arba_beru", at="2016-06-01T10:00", expect=1)
    assert "repealed on 2016-05-30" in result.stderr
