"""Cancel latency benchmark: how long after a cancel the engine lets go, against the bare OS.

Three measurements, each the median over ``--runs`` (a 60 s ``-re`` encode is cancelled as
soon as it reports progress):

  * baseline: a bare ``subprocess.Popen`` of the same ffmpeg command, ``terminate()`` + ``wait()``
  * runner:   ``media_core.ffmpeg.run_ffmpeg`` from ``cancel.cancel()`` to its CancelledError
  * job:      ``JobManager.cancel`` to the job's "cancelled" state (the desktop's Cancel button)

Prints each in ms and the ratio to the baseline. The desktop's budget is one second for
the job figure; the tests only check that a cancel ends the work before its own end.

Run: .venv/bin/python benchmarks/cancel_latency.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media_core.errors import CancelledError
from media_core.ffmpeg import ffmpeg_exe, run_ffmpeg
from media_core.jobs import JobManager, JobStore
from media_core.progress import CancelToken

SOURCE = "testsrc2=size=320x240:rate=25:duration=60"
ENCODE = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


def bare_ms(out: Path) -> float:
    cmd = [ffmpeg_exe(), "-hide_banner", "-y", "-re", "-f", "lavfi", "-i", SOURCE, *ENCODE, str(out)]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # about where the runner's first progress report comes
    start = time.perf_counter()
    proc.terminate()
    proc.wait()
    return (time.perf_counter() - start) * 1000


def runner_ms(out: Path) -> float:
    token = CancelToken()
    asked: list[float] = []

    def progress(fraction: float, stage: str = "") -> None:
        if fraction > 0 and not asked:
            asked.append(time.perf_counter())
            token.cancel()

    try:
        run_ffmpeg(
            ["-y", "-re", "-f", "lavfi", "-i", SOURCE, *ENCODE, str(out)], duration=60, progress=progress, cancel=token
        )
    except CancelledError:
        return (time.perf_counter() - asked[0]) * 1000
    raise RuntimeError("the encode was not cancelled")


def job_ms(manager: JobManager, out: Path) -> float:
    done = threading.Event()
    params = {"input": SOURCE, "lavfi": True, "duration": 60, "realtime": True, "output": str(out), "args": ENCODE}
    job_id = manager.submit("ffmpeg_transcode", params)
    manager.add_listener(on_state=lambda jid, status: done.set() if jid == job_id and status == "cancelled" else None)
    while manager.get(job_id).progress <= 0.0:
        time.sleep(0.02)
    start = time.perf_counter()
    manager.cancel(job_id)
    done.wait(600)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        manager = JobManager(JobStore(folder / "jobs.sqlite3"))
        try:
            figures = {
                "baseline": statistics.median(bare_ms(folder / f"b{i}.mp4") for i in range(args.runs)),
                "runner": statistics.median(runner_ms(folder / f"r{i}.mp4") for i in range(args.runs)),
                "job": statistics.median(job_ms(manager, folder / f"j{i}.mp4") for i in range(args.runs)),
            }
        finally:
            manager.shutdown()
    base = figures["baseline"] or 1e-9
    for name, ms in figures.items():
        print(f"{name:<9} {ms:8.1f} ms   x{ms / base:6.1f} of the bare terminate+wait")


if __name__ == "__main__":
    main()
