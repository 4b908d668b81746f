"""regflow benchmarks: how fast, how big, and how the cost grows.

    python -m bench.run                 # full run (1k … 1M rows); prints a table, writes JSON
    python -m bench.run --quick         # small sizes, for a smoke run

Every figure is reported beside a baseline measured in the same run on the same machine, as a
ratio: these machines are shared and noisy, so absolute numbers travel badly.

- engine rate: N applications of a five-step regulation (the wheelchair regulation of seed 003)
  worked end to end through the service layer with full persistence (SQLite file in WAL mode
  with synchronous=FULL; then PostgreSQL when reachable), against SpiffWorkflow running the same
  process in memory with no persistence (the ceiling) and a bare SQLAlchemy insert-and-commit
  loop on the same database (the storage floor). Beside them the same filings and completions
  20 to a transaction, as `regflow start --from` files a batch handed on by the State
  Corporation and `regflow complete` with several tasks a head's sitting (one fsync for 20 on
  SQLite).
- task list: latency of the `tasks --role head` query (p50/p99, in process) at growing numbers of
  open applications; the per-size ratio shows whether it stays flat.
- report: time of the steps view over growing numbers of step records.
- growth: at each size, what a step costs through the service layer on that database (time,
  CPU and WAL pages per transaction), beside the smallest size's.
- memory: peak RSS of a CLI call (`regflow tasks --role head`) and of `regflow worker --once`
  on the biggest database.
- PostgreSQL: the rate of one process and of two processes working together.
- start-up: `regflow --help` against a bare `python -c pass`.
- instructions: the engine-rate runners' CPU work per task under valgrind's cachegrind
  (bench/instructions.py), when valgrind is installed: a figure the machine's load does not move.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "processes" / "kreslo_arba_beru.bpmn"
KEY = "kreslo_arba_beru"
REPROJECT_UP_TO = 100_000  # full re-projection timed at the sizes up to this (SQLite)
REPROJECT_PG = 10_000  # running applications re-projected on PostgreSQL
INSTRUCTION_APPS = 30  # applications per counted run under cachegrind (bench/instructions.py)
ALMATY = ZoneInfo("Asia/Almaty")
START = datetime(2016, 2, 2, 10, 0, tzinfo=ALMATY)  # the regulation was in force then
PG_URL = os.environ.get("REGFLOW_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _context(url: str):  # type: ignore[no-untyped-def]
    from regflow.clock import SimulatedClock
    from regflow.services.context import Context
    from regflow.settings import Settings

    return Context(Settings(database_url=url), SimulatedClock(START))


def _fresh_sqlite(folder: Path, name: str) -> str:
    from regflow.store.migrate import upgrade

    path = folder / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def _fresh_pg(name: str = "rate") -> str | None:
    try:
        import psycopg

        admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        schema = f"regflow_bench_{os.getpid()}_{name}"
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception:
        return None
    from regflow.store.migrate import upgrade

    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    upgrade(url)
    return url


def _drop_pg(url: str) -> None:
    import psycopg

    schema = url.rsplit("%3D", 1)[-1]
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    from regflow.store.db import dispose

    dispose(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --- engine rate -------------------------------------------------------------------------------


def service_runner(url: str) -> Callable[[], int]:
    """One application of the wheelchair regulation filed and worked to its end through the
    service layer (applications.start / complete, each one transaction): returns its tasks."""
    from regflow.services import applications
    from regflow.services.processes import deploy

    ctx = _context(url)
    deploy(ctx, [MODEL])

    def one() -> int:
        done, open_steps = 0, applications.start(ctx, KEY).open_steps
        while open_steps:
            open_steps = applications.complete(ctx, open_steps[0], "bench").open_steps
            done += 1
        return done

    return one


BATCH = 20  # tasks a head completes in one `regflow complete` (services/applications.py)


def batch_runner(url: str, size: int = BATCH) -> Callable[[], int]:
    """``size`` applications filed in one transaction (applications.start_all, `regflow start
    --from`, as the State Corporation hands a provider a batch), then worked step by step, each
    wave of their open tasks completed in one transaction (applications.complete_all, `regflow
    complete 11 12 13 ...`): the same filings and completions as :func:`service_runner` with one
    fsync for ``size`` of them. Returns the tasks completed."""
    from regflow.services import applications
    from regflow.services.processes import deploy

    ctx = _context(url)
    deploy(ctx, [MODEL])

    def wave() -> int:
        forms = [applications.ApplicationForm() for _ in range(size)]
        done, waiting = 0, [s.open_steps for s in applications.start_all(ctx, KEY, forms)]
        while heads := [steps[0] for steps in waiting if steps]:
            completed = iter(applications.complete_all(ctx, heads, "bench"))
            waiting = [next(completed).open_steps if steps else [] for steps in waiting]
            done += len(heads)
        return done

    wave.applications = size  # type: ignore[attr-defined]  # per call, for paired_rates
    return wave


def wal_pages(url: str, one: Callable[[], int], applications: int = 5) -> dict[str, float]:
    """Pages each transaction of the service layer writes to SQLite's WAL, counted in the WAL
    file itself: what every commit writes and fsyncs, a figure that, unlike a rate, does not
    depend on how busy the machine is. Each application is one filing and one transaction per
    completed task."""
    import sqlite3

    from regflow.store.db import dispose

    path = url.removeprefix("sqlite:///")
    dispose(url)  # no connection of ours keeps a read mark: the WAL can start afresh
    connection = sqlite3.connect(path)
    try:
        busy, _frames, _moved = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        page = connection.execute("PRAGMA page_size").fetchone()[0]
    finally:
        connection.close()
    if busy:  # the WAL was not emptied: the count below would include older frames
        raise RuntimeError(f"{path}: the WAL checkpoint was blocked; WAL pages not counted")
    tasks = sum(one() for _ in range(applications))
    transactions = applications + tasks
    # the WAL: a 32-byte header, then one frame (a 24-byte header and the page) per page written;
    # a few hundred pages stay below the automatic checkpoint, which would start it over
    frames = (os.path.getsize(f"{path}-wal") - 32) // (24 + page)
    return {"transactions": transactions, "pages_per_transaction": frames / transactions}


def completion_cost(
    url: str, one: Callable[[], int], applications: int, rounds: int = 3
) -> dict[str, float]:
    """What a step costs at this size: applications filed and worked to their end through the
    service layer on the big database itself (each filing and completion one transaction, WAL
    with synchronous=FULL), timed in ``rounds`` of ``applications``, and the WAL pages a
    transaction writes there. The pages grow with the depth of the B-trees a step changes, not
    with the machine's load, so they show O(1) or not where the times are noisy. Every
    application measured stays in the database, finished: ``applications_added``."""
    # timed as the engine rates are (a warm-up call, then the rounds), one runner alone
    rate = paired_rates({"step": one}, rounds * applications, rounds)["step"]
    counted = 5  # applications whose transactions' WAL pages are counted
    pages = wal_pages(url, one, counted)
    return {
        "ms_per_task": 1000 / rate["tasks_per_s"],
        "cpu_ms_per_task": rate["cpu_ms_per_task"],
        "wal_pages_per_transaction": pages["pages_per_transaction"],
        "applications_added": 1 + rate["applications"] + counted,
    }


def _no_fsync(url: str) -> str:
    """The same SQLite database with ``synchronous=OFF``: not durable, measured only to show in
    the same run how much of a completion the fsync is."""
    from regflow.store.db import dispose, without_fsync

    dispose(url)  # the migration's connections had the store's pragmas only
    without_fsync(url)
    return url


def paired_rates(
    runners: dict[str, Callable[[], int]], apps: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Every runner in turn, ``rounds`` times, ``apps // rounds`` applications each: the runs
    being compared meet the same moments of a shared, noisy machine. Per runner: the median of
    its rounds' rates; :func:`ratio` takes the median of the per-round ratios.

    Beside each rate, the CPU time this process spent per task (user and system, from
    ``time.process_time``): with SQLite's fsync it says how much of the fsync's cost is the
    process's own CPU rather than waiting for the disk."""
    per_round = max(1, apps // rounds)
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runners}
    totals = dict.fromkeys(runners, 0)
    for run in runners.values():
        run()  # warm caches (parsed spec, calendars, compiled statements)
    # a runner that works several applications per call (batch_runner) is called fewer times
    per_call = {name: getattr(run, "applications", 1) for name, run in runners.items()}
    calls = {name: max(1, per_round // per_call[name]) for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            started, cpu = time.perf_counter(), time.process_time()
            tasks = sum(run() for _ in range(calls[name]))
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            apps = calls[name] * per_call[name]
            samples[name].append((apps / elapsed, tasks / elapsed, 1000 * cpu / tasks))
            totals[name] += tasks
    return {
        name: {
            "apps_per_s": statistics.median(a for a, _, _ in got),
            "tasks_per_s": statistics.median(t for _, t, _ in got),
            "cpu_ms_per_task": statistics.median(c for _, _, c in got),
            "rounds_tasks_per_s": [t for _, t, _ in got],
            "applications": calls[name] * per_call[name] * rounds,
            "tasks": totals[name],
        }
        for name, got in samples.items()
    }


def ratio(rates: dict[str, dict[str, float]], a: str, b: str) -> float:
    """Median over the rounds of a's rate divided by b's rate in the same round."""
    pairs = zip(rates[a]["rounds_tasks_per_s"], rates[b]["rounds_tasks_per_s"], strict=True)
    return statistics.median(x / y for x, y in pairs)


def parallel_rate(url: str, n: int, processes: int) -> dict[str, float]:
    """``processes`` OS processes working ``n`` applications each on the same database."""
    from regflow.services.processes import deploy

    deploy(_context(url), [MODEL])
    cmd = [sys.executable, "-m", "bench.run", "--rate-worker", url, str(n)]
    started = time.perf_counter()
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(processes)
    ]
    tasks = 0
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"rate worker failed: {out}")
        tasks += int(out.strip().splitlines()[-1])
    elapsed = time.perf_counter() - started
    return {"processes": processes, "tasks_per_s": tasks / elapsed, "seconds": elapsed}


def _rate_worker(url: str, n: int) -> None:
    from regflow.services import applications

    ctx = _context(url)
    tasks = 0
    for _ in range(n):
        open_steps = applications.start(ctx, KEY).open_steps
        while open_steps:
            open_steps = applications.complete(ctx, open_steps[0], "bench").open_steps
            tasks += 1
    print(tasks)


def ceiling_runner() -> Callable[[], int]:
    """SpiffWorkflow alone: the same process run by Spiff's own loop in memory, no store, no
    regflow (workflows/engine.py ``run_plain``): the ceiling of the issue."""
    from regflow.workflows import engine
    from regflow.workflows.loader import load_process

    process = load_process(MODEL.read_bytes(), MODEL.name)
    return lambda: engine.run_plain(process, {"route": "provider"})


def in_memory_runner() -> Callable[[], int]:
    """regflow's engine (workflows/engine.py ``Instance``) in memory, no store: what regflow's
    own way of driving Spiff costs or saves against Spiff's loop, before any persistence."""
    from regflow.workflows import engine
    from regflow.workflows.loader import load_process

    process = load_process(MODEL.read_bytes(), MODEL.name)

    def one() -> int:
        instance = engine.start(process, {"route": "provider"})
        instance.advance(lambda step, data: {})
        done = 0
        while ready := instance.ready_tasks():
            instance.complete(ready[0].task_id, {})
            instance.advance(lambda step, data: {})
            done += 1
        return done

    return one


def storage_floor(url: str, n: int) -> dict[str, float]:
    """A bare SQLAlchemy insert-and-commit loop on the same kind of database: one small row per
    transaction (``engine.begin()``, a Core INSERT, the commit), nothing else."""
    from sqlalchemy import insert

    from regflow.store.db import engine_for
    from regflow.store.models import Notification

    engine = engine_for(url)
    now = datetime.now(UTC)
    statement = insert(Notification)
    started = time.perf_counter()
    for i in range(n):
        with engine.begin() as connection:
            connection.execute(
                statement,
                {"at": now, "kind": "bench", "message": str(i), "handler": "bench"},
            )
    elapsed = time.perf_counter() - started
    return {"commits_per_s": n / elapsed, "seconds": elapsed}


# --- big databases -----------------------------------------------------------------------------


def _record_calendar_baseline(url: str) -> None:
    """What `regflow init` records on a new database: the calendar its due dates start from.
    A real installation has it, so `worker --once` below measures the worker's steady state
    rather than the one-off full re-projection of a database that never recorded a calendar."""
    from regflow.services.reprojection import record_calendar_baseline

    record_calendar_baseline(_context(url), actor="bench")


def seed(url: str, applications: int, *, batch: int = 20_000) -> float:
    """Bulk-insert consistent data through the store's own models: every application is a real
    filing of the wheelchair regulation, cloned; each has its open step (roles round-robin) and
    its completed steps with working times, so task lists and reports see realistic rows."""
    from sqlalchemy import func, insert, select

    from regflow.services import applications as apps
    from regflow.services.processes import deploy
    from regflow.store.db import unit_of_work
    from regflow.store.models import Application, StepRecord

    ctx = _context(url)
    deploy(ctx, [MODEL])
    template = apps.start(ctx, KEY)
    with unit_of_work(url) as session:
        proto = session.get(Application, template.application_id)
        assert proto is not None
        app_row = {
            c.key: getattr(proto, c.key) for c in Application.__table__.columns if c.key != "id"
        }
        first_id = session.scalar(select(func.max(Application.id))) or 0
    roles = [
        ("Task_register", "clerk", "30 minutes"),
        ("Task_assign", "head", "1 working day"),
        ("Task_prepare", "officer", "8 working days"),
    ]
    started = time.perf_counter()
    made = 0
    clones = applications - 1  # the template is one of the applications asked for
    while made < clones:
        count = min(batch, clones - made)
        with unit_of_work(url) as session:
            session.execute(insert(Application), [dict(app_row) for _ in range(count)])
            steps = []
            for i in range(count):
                app_id = first_id + made + i + 1
                ready = START + timedelta(minutes=(made + i) % 50_000)
                step_id, role, norm = roles[(made + i + 1) % 3]  # the template is the first
                for done_id, done_role, done_norm, minutes in (
                    ("Task_register", "clerk", "30 minutes", 20 + (made + i) % 30),
                ):
                    if step_id != "Task_register":
                        steps.append(
                            _step(
                                proto,
                                app_id,
                                done_id,
                                done_role,
                                done_norm,
                                ready,
                                minutes,
                                completed=True,
                            )
                        )
                steps.append(
                    _step(proto, app_id, step_id, role, norm, ready, None, completed=False)
                )
            session.execute(insert(StepRecord), steps)
        made += count
    return time.perf_counter() - started


def _count_steps(url: str) -> int:
    from sqlalchemy import func, select

    from regflow.store.db import unit_of_work
    from regflow.store.models import StepRecord

    with unit_of_work(url) as session:
        return int(session.scalar(select(func.count()).select_from(StepRecord)) or 0)


def _step(proto, app_id, step_id, role, norm, ready, minutes, *, completed):  # type: ignore[no-untyped-def]
    return {
        "application_id": app_id,
        "definition_id": proto.definition_id,
        "process_key": KEY,
        "task_uuid": f"00000000-0000-0000-0000-{app_id:012d}",
        "step_id": step_id,
        "name": step_id,
        "kind": "user",
        "role": role,
        "status": "completed" if completed else "ready",
        "ready_at": ready,
        "claimed_at": ready if completed else None,
        "completed_at": ready + timedelta(minutes=minutes) if completed else None,
        "completed_by": "seed" if completed else None,
        "norm": norm,
        "due_at": ready + timedelta(minutes=30 if norm == "30 minutes" else 480),
        "working_minutes": minutes,
        "lock_version": 1,
    }


def _timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "p50_ms": statistics.median(samples),
        "p99_ms": samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))],
    }


def task_list_latency(url: str, repeat: int = 200) -> dict[str, float]:
    from regflow.services.queries import task_list

    ctx = _context(url)
    return _timed(lambda: task_list(ctx, role="head"), repeat)


def steps_report_time(url: str, repeat: int = 3) -> dict[str, float] | None:
    try:
        from regflow.services import report
    except ImportError:
        return None
    fn = getattr(report, "steps_view", None) or getattr(report, "steps_report", None)
    if fn is None:
        return None
    ctx = _context(url)
    try:
        return _timed(lambda: fn(ctx, process=KEY), repeat)
    except TypeError:
        return _timed(lambda: fn(ctx), repeat)


def reprojection_time(url: str) -> dict[str, float]:
    """A full re-projection pass over every running application (what `regflow calendar
    reproject` does after a transfer decree), in batches of the worker's size: seconds, and how
    many applications got new due dates."""
    from regflow.services.reprojection import reproject

    ctx = _context(url)
    started = time.perf_counter()
    moved = reproject(ctx, "bench")
    return {"seconds": time.perf_counter() - started, "moved": moved}


_RSS_PROBE = """
import resource, sys
from regflow.cli import cli
try:
    cli(sys.argv[1:], prog_name="regflow", standalone_mode=False)
finally:
    print("RSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def cli_peak_rss(url: str, *args: str) -> dict[str, float]:
    """Peak resident memory of one CLI call, read inside that process."""
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, *args],
        env={**os.environ, "REGFLOW_DATABASE_URL": url, "REGFLOW_NOW": START.isoformat()},
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    kb = int(done.stderr.rsplit("RSS_KB", 1)[1].split()[0])
    return {"peak_rss_mb": kb / 1024, "wall_ms": wall * 1000}


def startup() -> dict[str, float]:
    def run(cmd: list[str]) -> float:
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            samples.append((time.perf_counter() - t) * 1000)
        return statistics.median(samples)

    bare = run([sys.executable, "-c", "pass"])
    regflow = run([sys.executable, "-m", "regflow.cli", "--help"])
    return {
        "python_ms": bare,
        "regflow_help_ms": regflow,
        "regflow_minus_python_ms": regflow - bare,
    }


# --- the run -----------------------------------------------------------------------------------


def machine(pg_url: str | None) -> dict[str, Any]:
    """What the figures were measured on, recorded with them (the README names the machine
    beside each run): the processor, its cores and memory, the versions of Python, SQLite and
    the PostgreSQL server, and the commit measured."""
    import sqlite3

    def read(path: str, key: str) -> str | None:
        with suppress(OSError):
            for line in Path(path).read_text(encoding="utf-8").splitlines():
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
        return None

    memory = read("/proc/meminfo", "MemTotal")  # "24576000 kB"
    found: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": read("/proc/cpuinfo", "model name") or platform.processor() or None,
        "memory_gib": round(int(memory.split()[0]) / 2**20, 1) if memory else None,
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
        "commit": None,
    }
    with suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10)
        found["commit"] = done.stdout.strip() or None
    if pg_url:
        with suppress(Exception):  # no server: the runs on it are skipped anyway
            import psycopg

            dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(dsn, connect_timeout=3) as conn:
                found["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--apps", type=int, default=None, help="applications for the rate")
    parser.add_argument("--sizes", default=None, help="open applications, e.g. 1000,10000")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--rounds", type=int, default=7, help="paired rounds of the engine rate")
    parser.add_argument("--pg-reproject", type=int, default=REPROJECT_PG,
                        help="running applications re-projected on PostgreSQL")
    parser.add_argument("--rate-worker", nargs=2, metavar=("URL", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--no-instructions", action="store_true",
                        help="skip the instruction counts (bench/instructions.py; needs valgrind)")
    args = parser.parse_args(argv)
    if args.rate_worker:
        _rate_worker(args.rate_worker[0], int(args.rate_worker[1]))
        return {}
    folder = Path(tempfile.mkdtemp(prefix="regflow-bench-"))
    try:
        result = _measure(args, folder)
    finally:  # its databases go, a million applications' among them (some 2 GB)
        shutil.rmtree(folder, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    _print(result, out)
    return result


def _measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Every figure of a run, its databases in ``folder``."""
    n = args.apps or (20 if args.quick else 400)
    sizes = [
        int(s)
        for s in (args.sizes or ("200,2000" if args.quick else "1000,10000,100000,1000000")).split(
            ","
        )
    ]
    result: dict[str, Any] = {
        "machine": machine(pg_url=None if args.no_pg else PG_URL),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    pg = None if args.no_pg else _fresh_pg()
    sqlite_rate = _fresh_sqlite(folder, "rate")
    runners = {
        "sqlite": service_runner(sqlite_rate),
        "sqlite_no_fsync": service_runner(_no_fsync(_fresh_sqlite(folder, "rate-no-fsync"))),
        "sqlite_batch": batch_runner(_fresh_sqlite(folder, "rate-batch")),
        "ceiling_spiff_alone": ceiling_runner(),
        "regflow_in_memory": in_memory_runner(),
    }
    if pg:
        runners["postgresql"] = service_runner(pg)
        runners["postgresql_batch"] = batch_runner(pg)
    rates = paired_rates(runners, n, rounds=args.rounds)
    floor = storage_floor(_fresh_sqlite(folder, "floor"), n * 6)
    result["engine"] = {
        "rounds": args.rounds,
        **rates,
        "floor_sqlalchemy_commits": floor,
        "sqlite_vs_ceiling": ratio(rates, "sqlite", "ceiling_spiff_alone"),
        "sqlite_vs_no_fsync": ratio(rates, "sqlite", "sqlite_no_fsync"),
        "no_fsync_vs_ceiling": ratio(rates, "sqlite_no_fsync", "ceiling_spiff_alone"),
        "batch_vs_ceiling": ratio(rates, "sqlite_batch", "ceiling_spiff_alone"),
        "batch_vs_sqlite": ratio(rates, "sqlite_batch", "sqlite"),
        "batch_size": BATCH,
        "in_memory_vs_ceiling": ratio(rates, "regflow_in_memory", "ceiling_spiff_alone"),
        "sqlite_tasks_vs_floor_commits": rates["sqlite"]["tasks_per_s"] / floor["commits_per_s"],
        "sqlite_wal_pages": wal_pages(sqlite_rate, runners["sqlite"]),
    }
    if pg:
        try:
            result["engine"]["pg_vs_sqlite"] = ratio(rates, "postgresql", "sqlite")
            result["engine"]["pg_vs_ceiling"] = ratio(rates, "postgresql", "ceiling_spiff_alone")
            result["engine"]["pg_batch_vs_pg"] = ratio(rates, "postgresql_batch", "postgresql")
            result["engine"]["pg_batch_vs_sqlite_batch"] = ratio(
                rates, "postgresql_batch", "sqlite_batch"
            )
            pg_big = _fresh_pg("reprojection")
            if pg_big:
                try:
                    seed(pg_big, args.pg_reproject)
                    result["engine"]["pg_growth"] = {  # the task list and report there too
                        "open_applications": args.pg_reproject,
                        "tasks_role_head_ms": task_list_latency(pg_big),
                        "steps_report_ms": steps_report_time(pg_big),
                    }
                    result["engine"]["pg_reprojection"] = {
                        "applications": args.pg_reproject, **reprojection_time(pg_big)
                    }
                finally:
                    _drop_pg(pg_big)
            one = parallel_rate(pg, n // 2, 1)
            two = parallel_rate(pg, n // 2, 2)
            result["engine"]["pg_parallel"] = {
                "one": one,
                "two": two,
                "two_vs_one": two["tasks_per_s"] / one["tasks_per_s"],
            }
        finally:
            _drop_pg(pg)
    if not (args.quick or args.no_instructions) and shutil.which("valgrind"):
        # the same runners' CPU work in instructions, which the machine's load does not move
        from bench import instructions

        result["instructions"] = instructions.measure(INSTRUCTION_APPS)
    growth = []
    big = _fresh_sqlite(folder, "big")
    _record_calendar_baseline(big)
    clerk = service_runner(big)  # steps worked on the big database, at each size
    seeded = 0
    for size in sizes:
        seconds = seed(big, size - seeded)
        seeded = size
        row: dict[str, Any] = {
            "open_applications": size, "step_records": _count_steps(big), "seed_s": seconds
        }
        row["tasks_role_head"] = task_list_latency(big)
        report = steps_report_time(big)
        if report:
            row["steps_report"] = report
        if size <= REPROJECT_UP_TO:
            row["reprojection"] = reprojection_time(big)
        row["completion"] = completion_cost(big, clerk, max(1, n // 10))
        growth.append(row)
    base = growth[0]["tasks_role_head"]["p50_ms"]
    step_base = growth[0]["completion"]["ms_per_task"]
    for row in growth:
        row["tasks_p50_vs_smallest"] = row["tasks_role_head"]["p50_ms"] / base
        row["completion_vs_smallest"] = row["completion"]["ms_per_task"] / step_base
    result["growth"] = growth
    result["memory"] = {
        "cli_tasks_role_head": cli_peak_rss(big, "tasks", "--role", "head", "--json"),
        "worker_once": cli_peak_rss(big, "worker", "--once"),
    }
    result["startup"] = startup()
    return result


def _print(result: dict[str, Any], out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    e = result["engine"]
    t = Table(title="engine rate (five-step regulation, full persistence)")
    for col in ("run", "apps/s", "task completions/s", "ratio"):
        t.add_column(col)
    t.add_row(
        "SQLite WAL FULL",
        f"{e['sqlite']['apps_per_s']:.0f}",
        f"{e['sqlite']['tasks_per_s']:.0f}",
        f"{e['sqlite_vs_ceiling']:.0%} of ceiling; "
        f"{e['sqlite_wal_pages']['pages_per_transaction']:.1f} WAL pages per transaction; "
        f"CPU {e['sqlite']['cpu_ms_per_task']:.2f} ms per task "
        f"({e['sqlite_no_fsync']['cpu_ms_per_task']:.2f} without fsync)",
    )
    t.add_row(
        "SQLite, no fsync (not durable: for comparison)",
        f"{e['sqlite_no_fsync']['apps_per_s']:.0f}",
        f"{e['sqlite_no_fsync']['tasks_per_s']:.0f}",
        f"{e['no_fsync_vs_ceiling']:.0%} of ceiling; FULL = {e['sqlite_vs_no_fsync']:.0%} of it",
    )
    t.add_row(
        f"SQLite WAL FULL, {e['batch_size']} per `start --from` and per `complete` "
        "(one transaction each)",
        f"{e['sqlite_batch']['apps_per_s']:.0f}",
        f"{e['sqlite_batch']['tasks_per_s']:.0f}",
        f"{e['batch_vs_ceiling']:.0%} of ceiling; {e['batch_vs_sqlite']:.2f}× one per "
        f"transaction; CPU {e['sqlite_batch']['cpu_ms_per_task']:.2f} ms per task",
    )
    if "postgresql" in e:
        t.add_row(
            "PostgreSQL",
            f"{e['postgresql']['apps_per_s']:.0f}",
            f"{e['postgresql']['tasks_per_s']:.0f}",
            f"{e['pg_vs_sqlite']:.0%} of SQLite, {e['pg_vs_ceiling']:.0%} of ceiling",
        )
    if "postgresql_batch" in e:
        t.add_row(
            f"PostgreSQL, {e['batch_size']} per `start --from` and per `complete`",
            f"{e['postgresql_batch']['apps_per_s']:.0f}",
            f"{e['postgresql_batch']['tasks_per_s']:.0f}",
            f"{e['pg_batch_vs_pg']:.2f}× one per transaction; "
            f"{e['pg_batch_vs_sqlite_batch']:.0%} of SQLite's batches",
        )
    if "pg_parallel" in e:
        par = e["pg_parallel"]
        t.add_row(
            "PostgreSQL, 2 processes",
            "",
            f"{par['two']['tasks_per_s']:.0f}",
            f"{par['two_vs_one']:.2f}× one process "
            f"({par['one']['tasks_per_s']:.0f}/s in the same set-up)",
        )
    t.add_row(
        "regflow engine in memory, no store",
        f"{e['regflow_in_memory']['apps_per_s']:.0f}",
        f"{e['regflow_in_memory']['tasks_per_s']:.0f}",
        f"{e['in_memory_vs_ceiling']:.0%} of ceiling",
    )
    t.add_row(
        "ceiling: SpiffWorkflow alone, in memory",
        f"{e['ceiling_spiff_alone']['apps_per_s']:.0f}",
        f"{e['ceiling_spiff_alone']['tasks_per_s']:.0f}",
        "",
    )
    t.add_row(
        "floor: bare SQLAlchemy insert + commit",
        "",
        f"{e['floor_sqlalchemy_commits']['commits_per_s']:.0f} commits/s",
        f"tasks/s = {e['sqlite_tasks_vs_floor_commits']:.0%} of commits/s",
    )
    g = Table(title="growth")
    for col in (
        "open apps",
        "step records",
        "seed s",
        "tasks p50 ms",
        "p99 ms",
        "p50 vs smallest",
        "report p50 ms",
        "report ms per 1k records",
        "re-projection s (per 1k apps)",
        "a step: ms (CPU), vs smallest",
        "WAL pages per transaction",
    ):
        g.add_column(col)
    for row in result["growth"]:
        report = row.get("steps_report")
        moved = row.get("reprojection")
        step = row["completion"]
        g.add_row(
            str(row["open_applications"]),
            str(row["step_records"]),
            f"{row['seed_s']:.1f}",
            f"{row['tasks_role_head']['p50_ms']:.2f}",
            f"{row['tasks_role_head']['p99_ms']:.2f}",
            f"{row['tasks_p50_vs_smallest']:.2f}×",
            f"{report['p50_ms']:.0f}" if report else "—",
            f"{1000 * report['p50_ms'] / row['step_records']:.3f}" if report else "—",
            f"{moved['seconds']:.1f} ({1000 * moved['seconds'] / row['open_applications']:.3f})"
            if moved else "—",
            f"{step['ms_per_task']:.2f} ({step['cpu_ms_per_task']:.2f}), "
            f"{row['completion_vs_smallest']:.2f}×",
            f"{step['wal_pages_per_transaction']:.1f}",
        )
    console = Console(width=120)
    mc = result["machine"]
    console.print(
        f"machine: {mc['cpu'] or 'unknown processor'}, {mc['cpus']} cores, "
        f"{mc['memory_gib']} GiB; Python {mc['python']}, SQLite {mc['sqlite']}, PostgreSQL "
        f"{mc['postgresql'] or '(none)'}; commit {mc['commit'] or '(not a git checkout)'}"
    )
    console.print(t)
    console.print(g)
    s = result["startup"]
    m = result["memory"]
    console.print(
        f"start-up: regflow --help {s['regflow_help_ms']:.0f} ms (python alone "
        f"{s['python_ms']:.0f} ms); peak RSS: tasks --role head "
        f"{m['cli_tasks_role_head']['peak_rss_mb']:.0f} MB, worker --once "
        f"{m['worker_once']['peak_rss_mb']:.0f} MB"
    )
    if "instructions" in result:
        runs = result["instructions"]["runs"]
        console.print(
            "instructions per task (cachegrind): service layer on SQLite without fsync "
            f"{runs['sqlite_no_fsync']['instructions_per_task'] / 1e6:.2f} M (in batches of "
            f"{BATCH} {runs['sqlite_batch_no_fsync']['instructions_per_task'] / 1e6:.2f} M), "
            f"regflow's engine in memory "
            f"{runs['regflow_in_memory']['instructions_per_task'] / 1e6:.2f} M, "
            f"SpiffWorkflow alone {runs['ceiling_spiff_alone']['instructions_per_task'] / 1e6:.2f}"
            f" M ({result['instructions']['ceiling_vs_sqlite_no_fsync']:.0%} of the service "
            "layer's)"
        )
    if "pg_growth" in e:
        g_pg = e["pg_growth"]
        tasks_pg, report_pg = g_pg["tasks_role_head_ms"], g_pg["steps_report_ms"]
        console.print(
            f"PostgreSQL at {g_pg['open_applications']} open applications: tasks --role head "
            f"p50 {tasks_pg['p50_ms']:.2f} ms, p99 {tasks_pg['p99_ms']:.2f} ms; steps report "
            + (f"{report_pg['p50_ms']:.0f} ms" if report_pg else "(not available)")
        )
    if "pg_reprojection" in e:
        r = e["pg_reprojection"]
        console.print(
            f"re-projection on PostgreSQL: {r['applications']} applications in "
            f"{r['seconds']:.1f} s ({r['moved']} moved)"
        )
    console.print(f"JSON: {out}")


if __name__ == "__main__":
    main()
