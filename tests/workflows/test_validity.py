"""Reading a version's legal validity and diffing two versions of a regulation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from regflow.errors import ModelError
from regflow.workflows.loader import load_process
from regflow.workflows.validity import diff_regulations, validity_of
from tests.support import three_step_model

# 003_2e4deee796d008ba.txt:9-10: № 55/05 of 2015-09-22, repealed by № 37/04 of 30.05.2016.
P003 = {"approved_by": "№ 55/05 of 2015-09-22", "in_force_from": "2015-11-06",
        "repealed_on": "2016-05-30"}


def test_version_is_in_force_from_its_first_day_until_the_day_before_repeal() -> None:
    v = validity_of(P003, key="k")
    assert (v.in_force_from, v.repealed_on) == (date(2015, 11, 6), date(2016, 5, 30))
    assert [v.in_force_on(date(2015, 11, d)) for d in (5, 6)] == [False, True]
    assert [v.in_force_on(date(2016, 5, d)) for d in (29, 30)] == [True, False]
    assert v.act() == "№ 55/05 of 2015-09-22"


def test_version_without_dates_is_always_in_force() -> None:
    v = validity_of({}, key="k")
    assert not v.dated and v.in_force_on(date(1990, 1, 1)) and v.in_force_on(date(2100, 1, 1))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"in_force_from": "06.11.2015"}, "property 'in_force_from' must be an ISO date"),
        ({"repealed_on": "2016-02-30"}, "property 'repealed_on' must be an ISO date"),
        ({"in_force_from": "2016-05-30", "repealed_on": "2016-05-30"}, "is not after"),
        ({"replaces": "k"}, "must name another process key"),
    ],
)
def test_malformed_validity_names_file_and_element(props: dict[str, str], message: str) -> None:
    with pytest.raises(ModelError, match=message) as err:
        validity_of(props, key="k", file="k.bpmn")
    assert str(err.value).startswith("k.bpmn, element k: ")


def test_diff_reports_norm_change_and_added_step(tmp_path: Path) -> None:
    def regulation(**kw: object):  # type: ignore[no-untyped-def]
        path = three_step_model(tmp_path / "m.bpmn", **kw)  # type: ignore[arg-type]
        return load_process(path.read_bytes(), path.name).regulation

    old = regulation()
    new = regulation(sign_norm="2 working days", extra_step=True)
    changes = diff_regulations(old, new)
    assert changes.norms_changed == (("Task_sign", "Қол қою", "1 working day", "2 working days"),)
    assert changes.steps_added == ("Task_archive (Мұрағат)",)
    assert not changes.steps_removed and not changes.lanes_added and not changes.deadline_changed
    assert diff_regulations(old, old).lines() == ["no change in steps, lanes, norms or deadline"]
