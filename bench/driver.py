"""The client's CPU per statement on PostgreSQL: psycopg's cursors in psycopg's pipeline against
regflow's libpq pipeline (store/libpq.py), in alternating rounds of the same transactions.

    python -m bench.driver [--transactions 400] [--rounds 5]

Each transaction is BEGIN, five INSERTs of a row like a step's (numbers, Kazakh text, an
instant) and COMMIT, on one connection, as a completion sends them. Printed: the median CPU
(``time.process_time``) and wall time per statement of each way, and their ratio, the median of
the rounds' ratios. Why: the README's account of where PostgreSQL's time goes rests on this
figure, and it moves with the machine, so it is measured beside its baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from bench.run import PG_URL

_ROW = (17, "Мүгедектерге арналған кресло-арба", datetime(2026, 3, 2, 9, 30,
        tzinfo=timezone(timedelta(hours=5))))
_INSERTS = 5
_TABLE = f"bench_driver_{os.getpid()}"  # its own table: runs at once do not meet
_SQL = (f"INSERT INTO {_TABLE} (n, name, at) VALUES (%(n)s::INTEGER, %(name)s::VARCHAR, "
        "%(at)s::TIMESTAMP WITH TIME ZONE)")


class _Statement:
    """What store/libpq.py needs of a statement (store/prepared.py's compiled one has more)."""

    def __init__(self) -> None:
        from regflow.store.libpq import numbered

        pq_sql, _order = numbered(_SQL)  # $1..$3: n, name, at, as _ROW gives them
        self.name, self.pq_sql, self.sql = b"bench_driver_insert", pq_sql.encode(), _SQL


class _Answer:
    def _answer(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        if rowcount != 1:
            raise RuntimeError(f"an INSERT changed {rowcount} rows")


def _by_psycopg(conn: Any) -> Callable[[], None]:
    params = dict(zip(("n", "name", "at"), _ROW, strict=True))

    def transaction() -> None:
        with conn.pipeline():
            conn.execute("BEGIN")
            cursors = []
            for _ in range(_INSERTS):
                cursor = conn.cursor()
                cursor.execute(_SQL, params)
                cursors.append(cursor)
            conn.execute("COMMIT")
        for cursor in cursors:
            cursor.close()

    return transaction


def _by_libpq(conn: Any) -> Callable[[], None]:
    from regflow.store.libpq import Pipeline, Session

    session, statement = Session(), _Statement()

    def wrap(sql: str, exc: Exception) -> Exception:
        return exc

    def transaction() -> None:
        pipeline = Pipeline(conn, session, wrap)
        pipeline.command("BEGIN")
        for _ in range(_INSERTS):
            pipeline.send(statement, _ROW, _Answer())
        pipeline.end()
        pipeline.commit()

    return transaction


def measure(transactions: int, rounds: int, url: str = PG_URL) -> dict[str, Any]:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE TABLE {_TABLE} (id bigserial PRIMARY KEY, n integer, "
                      "name varchar(200), at timestamptz)")
    try:
        with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as a, \
                psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as b:
            ways = {"psycopg_pipeline": _by_psycopg(a), "regflow_libpq": _by_libpq(b)}
            statements = transactions * (_INSERTS + 2)
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
            for run in ways.values():
                for _ in range(20):
                    run()  # warm-up: prepared statements, adapters
            for _ in range(rounds):
                for name, run in ways.items():
                    wall, cpu = time.perf_counter(), time.process_time()
                    for _ in range(transactions):
                        run()
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    samples[name].append((1e6 * cpu / statements, 1e6 * wall / statements))
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP TABLE IF EXISTS {_TABLE}")
    result: dict[str, Any] = {
        name: {"cpu_us_per_statement": statistics.median(c for c, _ in got),
               "wall_us_per_statement": statistics.median(w for _, w in got)}
        for name, got in samples.items()
    }
    pairs = zip(samples["regflow_libpq"], samples["psycopg_pipeline"], strict=True)
    result["cpu_ratio_libpq_vs_psycopg"] = statistics.median(x[0] / y[0] for x, y in pairs)
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    result = measure(args.transactions, args.rounds)
    for name in ("psycopg_pipeline", "regflow_libpq"):
        got = result[name]
        print(f"{name:18s} CPU {got['cpu_us_per_statement']:6.1f} µs per statement, "
              f"wall {got['wall_us_per_statement']:6.1f} µs")
    print(f"regflow's libpq pipeline takes {result['cpu_ratio_libpq_vs_psycopg']:.0%} of "
          "psycopg's CPU per statement (median of the rounds' ratios)")
    return result


if __name__ == "__main__":
    main()
