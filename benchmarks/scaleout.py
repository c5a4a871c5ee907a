"""Cluster scale-out: throughput of 20 captions jobs on 1 worker vs 2 workers.

Starts Debian's redis-server on a free loopback port (throwaway folder), then, for 1 and
for 2 `reframe worker` processes, queues JOBS captions jobs (JFK, 11 s of real speech,
tiny.en, one CTranslate2 thread) through the cluster backend and a job manager exactly as
`reframe serve --backend celery://…` does, and times queue-to-last-result. The first job of
each run also pays the worker's model load; that is part of the figure.

Prints wall time, jobs/minute, the 1→2 ratio, the mean time a job spent on a worker, and
what N machines would give (each job is independent: N workers ≈ N× until the broker,
the server's polling or the shared storage saturate). On a 2-core machine shared by others,
expect little more than 1×: both workers compete for the same cores.

Run: python benchmarks/scaleout.py [--jobs 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(workers: int, jobs: int, folder: Path, broker_url: str, speech: Path) -> tuple[float, list[float]]:
    from media_core.cluster.backend import ClusterBackend
    from media_core.cluster.config import ClusterConfig
    from media_core.jobs.manager import JobManager
    from media_core.jobs.store import JobStore
    from tests.processes import reframe, stop

    procs = [
        reframe(
            ["worker", "--broker", broker_url, "--shared", str(folder / "shared"), "--name", f"w{i}@bench"],
            log=folder / f"w{workers}-{i}.log",
            env={"REFRAME_DATA_DIR": str(folder / f"w{workers}-{i}")},
        )
        for i in range(workers)
    ]
    cluster = ClusterBackend(ClusterConfig(broker=broker_url))
    manager = JobManager(
        JobStore(folder / f"server{workers}" / "jobs.sqlite3"),
        heavy_slots=64,
        light_slots=64,
        run_elsewhere=cluster.runner_for,
    )
    try:
        time.sleep(3)  # let the workers connect, so the clock measures work, not start-up
        start = time.monotonic()
        ids = [
            manager.submit(
                "captions",
                {
                    "input": str(speech),
                    "model": "tiny.en",
                    "language": "en",
                    "threads": 1,
                    "formats": "srt",
                    "output_dir": str(folder / "shared" / "outputs" / f"{workers}-{i}"),
                },
            )
            for i in range(jobs)
        ]
        done = [manager.wait(i, timeout=3600) for i in ids]
        wall = time.monotonic() - start
    finally:
        manager.shutdown(timeout=5)
        for proc in procs:
            stop(proc)
    failed = [j for j in done if j.status != "succeeded"]
    if failed:
        raise SystemExit(f"{len(failed)} jobs did not succeed: {failed[0].error}")
    on_worker = [_worker_seconds(manager.store.get_log(j.id)) for j in done]
    return wall, [s for s in on_worker if s is not None]


def _worker_seconds(log: str) -> float | None:
    """The worker's own 'succeeded in N s' line, relayed into the server's job log."""
    for line in log.splitlines():
        if "] " in line and " succeeded in " in line:
            return float(line.rsplit(" succeeded in ", 1)[1].rstrip("s"))
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    from tests import assets
    from tests.processes import RedisBroker

    folder = Path(tempfile.mkdtemp(prefix="reframe-scaleout-"))
    os.environ["REFRAME_DATA_DIR"] = str(folder / "data")
    os.environ["REFRAME_SHARED_DIR"] = str(folder / "shared")
    speech = folder / "shared" / "uploads" / "jfk.wav"
    speech.parent.mkdir(parents=True)
    shutil.copy(assets.jfk_wav(), speech)
    broker = RedisBroker(folder / "redis")
    try:
        results = {n: run(n, args.jobs, folder, broker.url, speech) for n in (1, 2)}
    finally:
        broker.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.jobs} captions jobs (JFK 11 s, tiny.en, 1 thread), cores on this machine: {os.cpu_count()}")
    print(f"{'workers':>7} {'wall s':>8} {'jobs/min':>9} {'mean s on worker':>17}")
    for n, (wall, per_job) in results.items():
        mean = statistics.mean(per_job) if per_job else float("nan")
        print(f"{n:>7} {wall:>8.1f} {args.jobs / wall * 60:>9.1f} {mean:>17.2f}")
    ratio = results[1][0] / results[2][0]
    per_job = statistics.mean(results[1][1]) if results[1][1] else results[1][0] / args.jobs
    print(f"throughput ratio 2 workers / 1 worker: {ratio:.2f}x")
    for machines in (2, 4, 8):
        print(
            f"with {machines} machines like one worker here: about {args.jobs / machines * per_job:.0f} s "
            f"for {args.jobs} jobs ({machines}x), if each has its own cores"
        )


if __name__ == "__main__":
    main()
