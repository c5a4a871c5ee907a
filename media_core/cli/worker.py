"""``reframe worker``: run cluster jobs from a Redis broker (needs ``pip install reframe[cluster]``).

The broker URL comes from ``--broker`` or ``REFRAME_BROKER_URL`` (use the environment for
a URL with a password: the command line is visible to every local user). ``--shared`` is
this machine's mount of the storage the server's outputs and uploads live on.
"""

from __future__ import annotations

import argparse
import os
import socket

from media_core.errors import InvalidParameterError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run cluster jobs queued by 'reframe serve --backend celery://…'",
        description="A cluster worker: takes jobs from the broker, runs them, reports to the server.",
    )
    parser.add_argument("--broker", default=None, help="redis://HOST:PORT/DB (default: REFRAME_BROKER_URL)")
    parser.add_argument("--shared", default=None, help="this machine's mount of the shared storage folder")
    parser.add_argument("--gpu", action="store_true", help="also take GPU-preferring jobs (captions)")
    parser.add_argument("--name", default=None, help="worker name (default: reframe-<pid>@<host>)")
    parser.add_argument(
        "--visibility-timeout",
        type=float,
        default=None,
        help="seconds before a job of a dead worker is handed to another (default 3600; must exceed the longest job)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from media_core.cluster.config import (
        DEFAULT_VISIBILITY_TIMEOUT,
        NOT_INSTALLED,
        ClusterConfig,
        broker_url,
        use_shared_dir,
        worker_queues,
    )

    broker = broker_url(args.broker, "REFRAME_BROKER_URL")
    if not broker:
        raise InvalidParameterError("No broker: give --broker redis://HOST:PORT/DB or set REFRAME_BROKER_URL.")
    use_shared_dir(args.shared)
    try:
        from media_core.cluster.app import make_app
        from media_core.cluster.worker import start_worker
    except ImportError as exc:
        raise InvalidParameterError(NOT_INSTALLED, detail=str(exc)) from exc
    config = ClusterConfig(broker=broker, visibility_timeout=args.visibility_timeout or DEFAULT_VISIBILITY_TIMEOUT)
    name = args.name or f"reframe-{os.getpid()}@{socket.gethostname()}"
    start_worker(make_app(config), queues=worker_queues(args.gpu), name=name)
    return 0
