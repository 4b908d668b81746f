"""CPU work per task completion, counted in instructions: a figure the machine's load does not move.

    python -m bench.instructions               # 30 applications per run (about a minute on 2 cores)
    python -m bench.instructions --apps 10     # quicker

Why: on these shared virtual machines the engine rates of bench/run.py move by a factor of two
from one minute to the next, while a change worth making to the hot path moves them by a few
percent. Valgrind's cachegrind (with its cache simulation off) counts the instructions a process
executes in user space: the same count, within about 1 %, however busy the machine is.

Each runner of bench/run.py's engine rate runs twice under cachegrind: once filing and working
``--apps`` applications of the wheelchair regulation after a warm-up, once with the warm-up
alone; the difference divided by the tasks completed is the work per task, with the start-up,
the imports and the warm-up (parsing, compiled statements, caches) taken out. The runners:

- the service layer on SQLite, each completion one transaction, without fsync (a flush is the
  kernel's work, which cachegrind does not see; bench/run.py measures it as time);
- the same in batches (bench/run.py's batch_runner: 20 applications filed in one transaction,
  each wave of their tasks completed in one), its warm-up one batch and ``--apps`` rounded to
  whole batches;
- regflow's engine in memory, no store;
- SpiffWorkflow alone, in memory (the ceiling of bench/run.py).

Their ratios are the CPU side of the issue's "25 % of SpiffWorkflow's in-memory rate": the
service layer's instructions per task against SpiffWorkflow's own. Instructions are not time
(a cache miss costs many), so compare counts between versions of regflow, not with rates.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNNERS = {
    "sqlite_no_fsync": "service layer, SQLite, each completion one transaction (no fsync)",
    "sqlite_batch_no_fsync": "service layer, SQLite, 20 filings or completions per transaction "
    "(no fsync)",
    "regflow_in_memory": "regflow's engine in memory, no store",
    "ceiling_spiff_alone": "SpiffWorkflow alone, in memory",
}
WARM_UP = 5  # applications before the counted ones (and all of the baseline run)
_I_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions_of(report: str) -> int:
    """The instruction count in cachegrind's summary (``==123== I refs: 3,624,315,187``)."""
    found = _I_REFS.search(report)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output: {report[-300:]!r}")
    return int(found.group(1).replace(",", ""))


def per_task(counted: int, baseline: int, tasks: int) -> float:
    """Instructions per task of the counted run beyond its baseline (same warm-up, no work)."""
    if tasks <= 0:
        raise ValueError("no tasks were counted")
    return (counted - baseline) / tasks


def _child(runner: str, apps: int) -> None:
    """Run inside valgrind: the warm-up, then ``apps`` applications; print the tasks done."""
    from bench import run as b

    with tempfile.TemporaryDirectory(prefix="regflow-count-") as folder:
        calls, warm_up = apps, WARM_UP
        if runner in ("sqlite_no_fsync", "sqlite_batch_no_fsync"):
            url = b._no_fsync(b._fresh_sqlite(Path(folder), "count"))
            if runner == "sqlite_batch_no_fsync":
                one = b.batch_runner(url)  # a call files and works b.BATCH applications
                calls, warm_up = (apps + b.BATCH // 2) // b.BATCH if apps else 0, 1
            else:
                one = b.service_runner(url)
        elif runner == "regflow_in_memory":
            one = b.in_memory_runner()
        else:
            one = b.ceiling_runner()
        for _ in range(warm_up):
            one()
        print(f"tasks={sum(one() for _ in range(calls))}")


def _counted(runner: str, apps: int) -> tuple[int, int]:
    """(instructions, tasks) of one child run under cachegrind."""
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same dict layouts in every run
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
        sys.executable, "-m", "bench.instructions", "--child", runner, str(apps),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{runner} under valgrind failed: {done.stderr[-500:]}")
    tasks = int(re.search(r"tasks=(\d+)", done.stdout).group(1))  # type: ignore[union-attr]
    return instructions_of(done.stderr), tasks


def measure(apps: int) -> dict[str, Any]:
    jobs = [(runner, n) for runner in RUNNERS for n in (apps, 0)]
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        counts = dict(zip(jobs, pool.map(lambda job: _counted(*job), jobs), strict=True))
    result: dict[str, Any] = {"applications": apps, "warm_up": WARM_UP, "runs": {}}
    for runner in RUNNERS:
        (counted, tasks), (baseline, _) = counts[(runner, apps)], counts[(runner, 0)]
        result["runs"][runner] = {
            "tasks": tasks, "instructions": counted, "baseline_instructions": baseline,
            "instructions_per_task": per_task(counted, baseline, tasks),
        }
    runs = result["runs"]
    spiff = runs["ceiling_spiff_alone"]["instructions_per_task"]
    result["ceiling_vs_sqlite_no_fsync"] = spiff / runs["sqlite_no_fsync"]["instructions_per_task"]
    batches = runs["sqlite_batch_no_fsync"]["instructions_per_task"]
    result["ceiling_vs_sqlite_batch"] = spiff / batches
    result["ceiling_vs_in_memory"] = spiff / runs["regflow_in_memory"]["instructions_per_task"]
    return result


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=30, help="applications per counted run")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--child", nargs=2, metavar=("RUNNER", "APPS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return None
    if shutil.which("valgrind") is None:
        sys.exit("bench.instructions: valgrind is not installed (apt-get install valgrind)")
    try:
        result = measure(args.apps)
    except RuntimeError as exc:  # a child failed under valgrind: say which, in one line
        sys.exit(f"bench.instructions: {' '.join(str(exc).split())[:300]}")
    result["machine"] = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = args.out / f"instructions-{stamp}.json"
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    for runner, label in RUNNERS.items():
        run = result["runs"][runner]
        print(f"{label}: {run['instructions_per_task'] / 1e6:.3f} M instructions per task")
    print(
        f"SpiffWorkflow alone does {result['ceiling_vs_sqlite_no_fsync']:.0%} of the service "
        f"layer's instructions per task ({result['ceiling_vs_sqlite_batch']:.0%} of its "
        f"batches') and {result['ceiling_vs_in_memory']:.0%} of regflow's engine in memory's; "
        f"JSON: {path}"
    )
    return result


if __name__ == "__main__":
    main()
