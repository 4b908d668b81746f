"""Hostile command lines: random ids, types, scripts and lengths never give a traceback, and a
refused command leaves the database exactly as it was (a digest of every table)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from regflow.store.db import engine_for
from tests.conftest import Cli
from tests.support import three_step_model

AT = "2026-07-01T10:00"
NASTY = [
    "1", "2", "0", "-1", "99999999999999999999", "1.5", "", " ", "Қ", "Әлия Нұрғали",
    "aigul", "'; DROP TABLE steps; --", "1 OR 1=1", "refuse=true", "x" * 5000, "\x00",
    "клерк/Clerk", "three_steps", "provider", "akim", "null", "true", "%s%s%n", "../../etc/passwd",
]
value = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
assignment = st.tuples(st.sampled_from(["refuse", "route", "x", "Қала", "'; --"]), value).map(
    lambda kv: f"{kv[0]}={kv[1]}"
)
command = st.one_of(
    st.tuples(st.just("claim"), value, st.just("--user"), value),
    st.tuples(st.just("complete"), value, st.just("--user"), value, st.just("--set"), assignment),
    st.tuples(st.just("start"), value, st.just("--set"), assignment, st.just("--user"), value),
    st.tuples(st.just("start"), st.just("three_steps"), st.just("--route"), value),
    st.tuples(st.just("show"), value),
    st.tuples(st.just("delegate"), value, st.just("--to"), value, st.just("--user"), value),
    st.tuples(st.just("users"), st.just("add"), value, st.just("--role"), value,
              st.just("--org"), value),
    st.tuples(st.just("users"), st.just("disable"), value),
    st.tuples(st.just("tasks"), st.just("--role"), value),
    st.tuples(st.just("calendar"), st.just("--month"), value),
    st.tuples(st.just("processes"), st.just("--at"), value),
)


def digest(url: str) -> str:
    h = hashlib.sha256()
    engine = engine_for(url)
    with engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            for row in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@pytest.fixture
def world(cli: Cli, tmp_path: Path) -> Cli:
    cli("deploy", str(three_step_model(tmp_path / "m.bpmn")))
    cli("start", "three_steps", "--user", "aigul", at=AT)
    return cli


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=command)
@example(args=("claim", "99999999999999999999", "--user", "a"))
@example(args=("show", "-1"))
@example(args=("complete", "1", "--user", "Әлия", "--set", "refuse='; DROP TABLE steps; --"))
@example(args=("start", "three_steps", "--set", "x=" + "ж" * 5000, "--user", "x" * 201))
def test_random_command_lines_fail_cleanly_and_change_nothing(world: Cli, args: tuple) -> None:
    before = digest(world.url)
    r = world(*args, at=AT, expect=None)
    assert r.exit_code in (0, 1, 2), (args, r.output)
    assert "Traceback" not in r.output and "internal error" not in r.output, (args, r.output)
    if r.exit_code != 0:
        assert digest(world.url) == before, args
        assert r.stderr.strip(), args
