"""The column types: instants are stored in UTC and come back aware, whatever wrote them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import DATETIME

from regflow.store.models import UtcDateTime

ALMATY = timezone(timedelta(hours=5))


def test_sqlite_instants_are_stored_as_sqlalchemy_itself_stores_datetime() -> None:
    # rows written before regflow read them with isoformat must read the same, and the other way
    dialect = sqlite.dialect()
    ours = UtcDateTime().dialect_impl(dialect)
    stock = DATETIME()
    for value in (
        datetime(2026, 7, 3, 18, 15, tzinfo=ALMATY),
        datetime(2016, 3, 22, 9, 0, 0, 123456, tzinfo=ALMATY),
        datetime(2026, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    ):
        utc_naive = value.astimezone(UTC).replace(tzinfo=None)
        text = ours.bind_processor(dialect)(value)
        assert text == stock.bind_processor(dialect)(utc_naive)
        assert ours.result_processor(dialect, None)(text) == value


@pytest.mark.parametrize(
    ("stored", "instant"),
    [
        ("2026-07-03 13:15:00.000000", datetime(2026, 7, 3, 13, 15, tzinfo=UTC)),
        ("2026-07-03 13:15:00", datetime(2026, 7, 3, 13, 15, tzinfo=UTC)),  # CURRENT_TIMESTAMP
        ("2026-07-03T13:15:00.5", datetime(2026, 7, 3, 13, 15, 0, 500000, tzinfo=UTC)),
    ],
)
def test_sqlite_instants_written_in_other_forms_read_as_utc(stored: str, instant: datetime) -> None:
    dialect = sqlite.dialect()
    assert UtcDateTime().dialect_impl(dialect).result_processor(dialect, None)(stored) == instant


def test_a_naive_instant_is_refused_before_it_reaches_the_database() -> None:
    dialect = sqlite.dialect()
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().dialect_impl(dialect).bind_processor(dialect)(datetime(2026, 7, 3, 18, 15))
