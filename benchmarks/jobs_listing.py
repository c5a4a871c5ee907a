"""Job listing benchmark: ``JobStore.list_jobs`` on 1,000 jobs against a bare SQLite query.

The store is filled like a year of use (five job types, a quarter failed, a quarter
succeeded). Each query shape runs after a warm-up; the median CPU time of the store's
call is compared with the median of a bare ``SELECT *`` of the same rows through
``sqlite3`` (the baseline: what the rows cost before any model building).

Prints per query: store ms, bare ms, ratio store/bare, and whether the store stays under
the desktop's budget of 50 ms per listing (CPU time: on a shared machine wall time
measures the scheduler as much as the query).

Run: .venv/bin/python benchmarks/jobs_listing.py [--runs 9]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media_core.jobs import JobStore

BUDGET_MS = 50.0
TYPES = ["captions", "render_styled", "shorts", "translate_subtitles", "merge_av"]


def fill(store: JobStore) -> float:
    base = time.time() - 1000 * 3600
    for i in range(1000):
        job = store.create(TYPES[i % 5], {"input": f"/videos/clip {i:04d}.mp4"}, created_at=base + i * 3600)
        if i % 4 == 0:
            store.claim(job.id)
            store.finish(job.id, "failed", error=("ffmpeg_failed", f"ffmpeg failed on clip {i}", None))
        elif i % 4 == 1:
            store.claim(job.id)
            store.finish(job.id, "succeeded")
    return base


def median_cpu_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm the page cache and the statement cache
    samples = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "jobs.sqlite3"
        store = JobStore(path)
        base = fill(store)
        bare = sqlite3.connect(path)
        shapes: dict[str, tuple[Callable[[], object], str, tuple[object, ...]]] = {
            "all 1000": (lambda: store.list_jobs(limit=None), "", ()),
            "status": (lambda: store.list_jobs(status="failed", limit=None), "WHERE status = ?", ("failed",)),
            "type": (lambda: store.list_jobs(type="captions", limit=None), "WHERE type = ?", ("captions",)),
            "date": (
                lambda: store.list_jobs(since=base + 500 * 3600, limit=None),
                "WHERE created_at >= ?",
                (base + 500 * 3600,),
            ),
            "search": (
                lambda: store.list_jobs(search="clip 09", limit=None),
                "WHERE params LIKE ?",
                ("%clip 09%",),
            ),
        }
        print(f"{'query':<10} {'store ms':>9} {'bare ms':>8} {'ratio':>6}  under {BUDGET_MS:.0f} ms")
        for name, (call, where, params) in shapes.items():
            ours = median_cpu_ms(call, args.runs)
            sql = f"SELECT * FROM jobs {where} ORDER BY created_at DESC"
            theirs = median_cpu_ms(lambda sql=sql, params=params: bare.execute(sql, params).fetchall(), args.runs)
            ratio = ours / theirs if theirs else float("inf")
            print(f"{name:<10} {ours:9.2f} {theirs:8.2f} {ratio:6.1f}  {'yes' if ours < BUDGET_MS else 'NO'}")
        bare.close()
        store.close()


if __name__ == "__main__":
    main()
