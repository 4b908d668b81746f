"""The calendar signature: which months of which schedules a calendar change reaches."""

from __future__ import annotations

import json
from pathlib import Path

from regflow.workflows.schedules import CalendarSignature, calendar_signature, load_schedules

SCHEDULES = sorted(load_schedules())
# the schedules that keep no holidays (observes_holidays = false in schedules.toml)
ROUND_THE_CLOCK = {name for name, s in load_schedules().items() if not s.observes_holidays}


def _overrides(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "2026.toml").write_text(text, encoding="utf-8")
    return folder


def test_signature_is_deterministic_and_a_few_kilobytes_for_twenty_years() -> None:
    first = calendar_signature(first_year=2010, last_year=2029)
    again = calendar_signature(first_year=2010, last_year=2029)
    assert first == again and first.changes_since(again) == {}
    payload = json.dumps(first.to_payload())
    # 240 months x 4 bytes + 12 schedules x 20 years x 4 bytes = 1,920 bytes, base64: 2,560
    # characters, plus the names and the keys
    assert len(payload) < 3_200
    assert CalendarSignature.from_payload(json.loads(payload)) == first


def test_a_providers_own_day_off_changes_only_its_schedule_in_its_month(tmp_path: Path) -> None:
    before = calendar_signature(first_year=2025, last_year=2027)
    folder = _overrides(tmp_path / "cal", '[[day_off]]\ndate = 2026-07-10\nreason = "Sanitary day"'
                                          '\nschedule = "health"\n')
    after = calendar_signature(first_year=2025, last_year=2027, overrides_dir=folder)
    assert after.changes_since(before) == {"health": [(2026, 7)]}


def test_a_transfer_decree_changes_its_months_for_every_schedule_that_keeps_holidays(
    tmp_path: Path,
) -> None:
    before = calendar_signature(first_year=2025, last_year=2027)
    folder = _overrides(tmp_path / "cal", (
        '[[day_off]]\ndate = 2026-07-10\nreason = "Transfer decree (test)"\n'
        '[[working_day]]\ndate = 2026-08-01\nreason = "Working Saturday (test)"\n'
    ))
    after = calendar_signature(first_year=2025, last_year=2027, overrides_dir=folder)
    changes = after.changes_since(before)
    assert changes is not None
    assert set(changes) == set(SCHEDULES) - ROUND_THE_CLOCK
    assert all(months == [(2026, 7), (2026, 8)] for months in changes.values())


def test_months_the_old_signature_did_not_cover_count_as_changed() -> None:
    before = calendar_signature(first_year=2025, last_year=2026)
    after = calendar_signature(first_year=2025, last_year=2027)
    changes = after.changes_since(before)
    assert changes is not None and set(changes) == set(SCHEDULES)
    assert all(months == [(2027, m) for m in range(1, 13)] for months in changes.values())


def test_another_time_zone_cannot_be_compared_month_by_month() -> None:
    almaty = calendar_signature(first_year=2026, last_year=2026)
    aqtobe = calendar_signature(first_year=2026, last_year=2026, tz="Asia/Aqtobe")
    assert aqtobe.changes_since(almaty) is None


def test_an_unreadable_signature_is_no_signature() -> None:
    payload = calendar_signature(first_year=2026, last_year=2026).to_payload()
    assert CalendarSignature.from_payload(None) is None
    assert CalendarSignature.from_payload({**payload, "v": 0}) is None
    assert CalendarSignature.from_payload({**payload, "months": payload["months"][:8]}) is None
    assert CalendarSignature.from_payload({**payload, "years": "2026"}) is None
