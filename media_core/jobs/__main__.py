"""``python -m media_core.jobs``: run or list jobs headless (the same store as the app).

    python -m media_core.jobs run ffmpeg_transcode --params '{"input": "a.mov", "output": "a.mp4"}'
    python -m media_core.jobs list [--status failed]
"""

from __future__ import annotations

import argparse
import json
import sys

from . import JobManager


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m media_core.jobs")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run one job and wait for it")
    run.add_argument("type")
    run.add_argument("--params", default="{}", help="job parameters as JSON")
    lst = sub.add_parser("list", help="list recent jobs")
    lst.add_argument("--status")
    lst.add_argument("--type")
    lst.add_argument("--limit", type=int, default=50)
    args = parser.parse_args(argv)

    manager = JobManager()
    if args.cmd == "list":
        for job in manager.list_jobs(status=args.status, type=args.type, limit=args.limit):
            print(f"{job.id}  {job.type:<20} {job.status:<11} {job.progress:5.0%}  {job.error or ''}")
        return 0
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as exc:
        print(f"--params is not valid JSON: {exc}", file=sys.stderr)
        return 2
    remove = manager.add_listener(on_progress=lambda _id, f, s: print(f"\r{f:6.1%} {s[:60]:<60}", end="",
                                                                          file=sys.stderr, flush=True))
    job_id = manager.submit(args.type, params)
    try:
        job = manager.wait(job_id)
    except KeyboardInterrupt:
        manager.cancel(job_id)
        job = manager.wait(job_id, timeout=5)
    finally:
        remove()
        manager.shutdown()
    print(file=sys.stderr)
    print(json.dumps({"id": job.id, "status": job.status, "outputs": job.outputs, "error": job.error}))
    return 0 if job.status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
