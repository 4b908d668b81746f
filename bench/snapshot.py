"""Snapshot codec: regflow-2 (workflows/snapshot.py) against the old SpiffWorkflow-based path.

    python -m bench.snapshot                  # 300 samples per figure (about half a minute)
    python -m bench.snapshot --samples 50     # quicker

The wheelchair regulation (processes/kreslo_arba_beru.bpmn, the five-step regulation of the
engine-rate benchmark) is worked through once; at each of its steps (after filing, and after each
completion) the workflow is encoded and decoded by both codecs. Every sample times both codecs
back to back, in alternating order, on the same state, so the ratios (old time / new time) are
measured in the same run under the same load; the figures are medians of the samples.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "processes" / "kreslo_arba_beru.bpmn"
BATCH = 10  # calls per timed sample: one call (~50 µs) is too short for the timer alone


def states() -> tuple[Any, list[Any]]:
    """The process and a copy of its workflow at every step of its regular path."""
    from regflow.services.simulate import decisions
    from regflow.workflows import engine
    from regflow.workflows import snapshot as codec
    from regflow.workflows.loader import load_process

    process = load_process(MODEL.read_bytes(), MODEL.name)
    reg = process.regulation
    route = reg.routes[0] if reg.routes else None
    data = decisions(reg, tuple(o for s in reg.steps.values() for o in s.outputs), route)
    data.update(route=route, iin="850101300123", applicant="Әлия Серікқызы Нұрланова")
    instance = engine.start(process, data)
    instance.advance(lambda step, data: {})
    found = []
    while True:
        # A private copy of this step's state (the live workflow moves on): restored by
        # SpiffWorkflow's own serializer, checked, then passed once through the new codec, as
        # in service, where the workflow is live or was restored by it (a task's parent and
        # children then hold the very UUID objects of the tasks' ids).
        by_spiff = codec.decode(codec.encode_v1(instance.workflow), process.spec, {})
        copy = codec.decode(codec.encode(by_spiff), process.spec, {})
        assert codec.spiff_dict(copy) == codec.spiff_dict(instance.workflow)
        found.append(copy)
        ready = instance.ready_tasks()
        if not ready:
            return process, found
        step = ready[0].step
        instance.complete(ready[0].task_id, decisions(reg, step.inputs, route))
        instance.advance(lambda step, data: {})


def _sample(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    for _ in range(BATCH):
        fn()
    return (time.perf_counter() - started) / BATCH


def _pair(old: Callable[[], Any], new: Callable[[], Any], samples: int) -> tuple[float, float]:
    """Median seconds per call of each, sampled back to back in alternating order."""
    olds, news = [], []
    for i in range(samples):
        if i % 2:
            olds.append(_sample(old))
            news.append(_sample(new))
        else:
            news.append(_sample(new))
            olds.append(_sample(old))
    return statistics.median(olds), statistics.median(news)


def run(samples: int = 300) -> dict[str, Any]:
    from regflow.workflows import snapshot as codec

    process, workflows = states()
    spec, subs = process.spec, process.subprocess_specs
    rows = []
    for step, workflow in enumerate(workflows):
        old_bytes, new_bytes = codec.encode_v1(workflow), codec.encode(workflow)
        assert codec.spiff_dict(codec.decode(new_bytes, spec, subs)) == codec.spiff_dict(workflow)
        encode_old = partial(codec.encode_v1, workflow)
        encode_new = partial(codec.encode, workflow)
        decode_old = partial(codec.decode, old_bytes, spec, subs)
        decode_new = partial(codec.decode, new_bytes, spec, subs)
        for warm in (encode_old, encode_new, decode_old, decode_new):
            warm()
        enc_old, enc_new = _pair(encode_old, encode_new, samples)
        dec_old, dec_new = _pair(decode_old, decode_new, samples)
        # what zlib costs and saves in the new format (the lasting snapshot, a finished
        # application's, is deflated; an open one's is written plain while it is small)
        text = zlib.decompress(new_bytes)
        deflate = partial(codec._deflate, text)
        deflate()
        zlib_us = statistics.median(_sample(deflate) for _ in range(samples)) * 1e6
        rows.append(
            {
                "step": step,
                "tasks": len(workflow.tasks),
                "encode_old_us": enc_old * 1e6,
                "encode_new_us": enc_new * 1e6,
                "encode_ratio": enc_old / enc_new,
                "decode_old_us": dec_old * 1e6,
                "decode_new_us": dec_new * 1e6,
                "decode_ratio": dec_old / dec_new,
                "bytes_old": len(old_bytes),
                "bytes_new": len(new_bytes),
                "bytes_new_uncompressed": len(text),
                "zlib_us": zlib_us,
            }
        )
        gc.collect()
    total = {
        key: sum(r[key] for r in rows)
        for key in ("encode_old_us", "encode_new_us", "decode_old_us", "decode_new_us",
                    "bytes_old", "bytes_new", "bytes_new_uncompressed", "zlib_us")
    }
    summary = {
        "encode_ratio": total["encode_old_us"] / total["encode_new_us"],
        "decode_ratio": total["decode_old_us"] / total["decode_new_us"],
        "size_ratio": total["bytes_new"] / total["bytes_old"],
        "encode_ratio_worst_step": min(r["encode_ratio"] for r in rows),
        "decode_ratio_worst_step": min(r["decode_ratio"] for r in rows),
        "zlib_size_saving": 1 - total["bytes_new"] / total["bytes_new_uncompressed"],
        "zlib_share_of_encode": total["zlib_us"] / total["encode_new_us"],
    }
    return {"steps": rows, "summary": summary, "samples": samples, "batch": BATCH}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300, help="timed samples per figure")
    args = parser.parse_args(argv)
    result = run(args.samples)
    print(f"{MODEL.name}: medians of {args.samples} samples × {BATCH} calls, old = "
          "regflow-1/spiff-1.5 (SpiffWorkflow serializer + zlib), new = regflow-2")
    print(f"{'step':>4} {'tasks':>5} | {'encode old':>10} {'new':>7} {'ratio':>6} | "
          f"{'decode old':>10} {'new':>7} {'ratio':>6} | {'bytes old':>9} {'new':>5}")
    for r in result["steps"]:
        print(f"{r['step']:>4} {r['tasks']:>5} | {r['encode_old_us']:>8.1f}µs "
              f"{r['encode_new_us']:>5.1f}µs {r['encode_ratio']:>5.2f}× | "
              f"{r['decode_old_us']:>8.1f}µs {r['decode_new_us']:>5.1f}µs "
              f"{r['decode_ratio']:>5.2f}× | {r['bytes_old']:>9} {r['bytes_new']:>5}")
    s = result["summary"]
    print(f"all steps: encode {s['encode_ratio']:.2f}× faster (worst step "
          f"{s['encode_ratio_worst_step']:.2f}×), decode {s['decode_ratio']:.2f}× faster (worst "
          f"step {s['decode_ratio_worst_step']:.2f}×), size {s['size_ratio']:.2f} of the old")
    print(f"zlib in the new format: {s['zlib_size_saving']:.0%} smaller than its JSON text, for "
          f"{s['zlib_share_of_encode']:.0%} of its encoding time")
    return result


if __name__ == "__main__":
    main()
