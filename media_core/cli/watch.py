"""``reframe watch FOLDER [--type captions|shorts] [--params JSON] [--interval 2] [--once]``.

New audio/video files in FOLDER become jobs (captions or shorts, with the given parameters as
the preset), once each, even across restarts: see media_core/watch.py. One line per file
taken; Ctrl-C stops watching (jobs already running finish or are interrupted as usual).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from media_core.errors import InvalidParameterError

WATCH_TYPES = ("captions", "shorts")


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "watch",
        help="caption (or cut into shorts) every new file that appears in a folder",
        description="Watch a folder: each new audio/video file, once fully copied, becomes a job once.",
    )
    parser.add_argument("folder", metavar="FOLDER")
    parser.add_argument("--type", choices=WATCH_TYPES, default="captions", help="what to do with each file")
    parser.add_argument("--params", default="{}", help="the job's parameters as JSON (its preset), without input")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between looks (default: 2)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds a file must keep its size (default: 3)")
    parser.add_argument("--once", action="store_true", help="look once, run what is ready, wait for it and exit")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from media_core.watch import FolderWatcher, check_preset, job_submitter

    from .jobs import manager_for_cli

    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"--params is not valid JSON: {exc}") from exc
    if not isinstance(params, dict):
        raise InvalidParameterError("--params must be a JSON object.")
    manager = manager_for_cli()
    check_preset(manager, args.type, params)  # a bad preset fails now, not on the first file
    watcher = FolderWatcher(args.folder, settle=args.settle)
    submit = job_submitter(manager, args.type, params)
    taken_ids: list[str] = []
    try:
        while True:
            for path, job_id in watcher.poll(submit):
                print(f"{job_id or 'refused'}\t{path}", flush=True)
                if job_id:
                    taken_ids.append(job_id)
            if args.once and not watcher.pending():
                break
            time.sleep(max(args.settle, 0.2) if args.once else args.interval)
    except KeyboardInterrupt:
        print("stopped watching", file=sys.stderr)
    try:
        failed = [jid for jid in taken_ids if manager.wait(jid).status != "succeeded"] if args.once else []
    finally:
        manager.shutdown()
    return 1 if failed else 0
