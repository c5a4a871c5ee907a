"""``reframe serve``: the HTTP API in the foreground, for scripts and other machines.

It binds 127.0.0.1 unless ``--lan`` is given. A token is always required: the one
stored by the app (created on first use, ``reframe serve --show-token`` prints it),
``REFRAME_API_TOKEN`` / ``REFRAME_API_TOKEN_FILE``, or ``--token-file``. Never on the
command line: every local user can read a process's arguments.
Defaults come from the engine settings' ``api`` section (the desktop's Settings).
"""

from __future__ import annotations

import argparse
import sys

from media_core.errors import InvalidParameterError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP API (localhost only unless --lan)",
        description="Serve the job API: submit, follow, cancel and download jobs over HTTP.",
    )
    parser.add_argument("--port", type=int, default=None, help="port (default: the settings, 8765)")
    parser.add_argument("--lan", action="store_true", help="listen on every interface")
    parser.add_argument(
        "--token-file",
        default=None,
        help="file holding the bearer token clients must send (default: the app's stored token, "
        "or REFRAME_API_TOKEN / REFRAME_API_TOKEN_FILE)",
    )
    parser.add_argument(
        "--backend",
        default=None,
        help="run jobs on a cluster instead of in this process: celery://redis://HOST:PORT/DB "
        "(or REFRAME_BACKEND; needs reframe[cluster] and 'reframe worker' processes)",
    )
    parser.add_argument("--shared", default=None, help="with --backend: the storage folder workers share")
    parser.add_argument("--gpu-queue", action="store_true", help="with --backend: send captions jobs to GPU workers")
    parser.add_argument(
        "--visibility-timeout", type=float, default=None, help=argparse.SUPPRESS
    )  # the workers' setting matters; kept equal for the result backend
    parser.add_argument("--show-token", action="store_true", help="print the token clients must send, then exit")
    parser.add_argument("--new-token", action="store_true", help="replace the stored token, print it, then exit")
    # Kept only to explain why it is gone: a token in argv shows in `ps` to every user.
    parser.add_argument("--token", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from media_core.api import ApiServer
    from media_core.api.token import load_or_create_token, read_token_file, regenerate_token
    from media_core.jobs.store import take_store_notice
    from media_core.settings import engine_settings

    if args.token:
        raise InvalidParameterError(
            "--token is not accepted: other users could read it in the process list. "
            "Use --token-file FILE or the REFRAME_API_TOKEN environment variable."
        )
    if args.new_token or args.show_token:
        print(regenerate_token() if args.new_token else load_or_create_token())
        return 0
    token = read_token_file(args.token_file) if args.token_file else None
    if token is None:
        load_or_create_token()  # fail now, not on the first request, if it cannot be read
    settings = engine_settings().api
    updates: dict[str, object] = {"enabled": True}
    if args.port is not None:
        updates["port"] = args.port
    if args.lan:
        updates["allow_lan"] = True
    settings = settings.model_copy(update=updates)
    manager = _manager(args)
    notice = take_store_notice(manager.store.path)
    if notice:
        print(f"reframe: {notice}", file=sys.stderr, flush=True)
    # Recover now, not at the first request: after a crash the jobs the last run left
    # `running` become `interrupted` at once (remote desktops resume them), queued ones run.
    manager.start()
    server = ApiServer(manager, settings, token=token)
    where = "every interface" if settings.allow_lan else "127.0.0.1"
    print(
        f"Reframe API on {where}, port {settings.port} (token required; "
        "'reframe serve --show-token' prints it). Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        manager.shutdown()
    return 0


def _manager(args: argparse.Namespace):
    """The in-process manager, or one whose jobs run on the cluster (``--backend``)."""

    from media_core.cluster.config import (
        DEFAULT_VISIBILITY_TIMEOUT,
        NOT_INSTALLED,
        ClusterConfig,
        broker_url,
        use_shared_dir,
    )
    from media_core.jobs import JobManager

    backend = broker_url(args.backend, "REFRAME_BACKEND")
    if not backend:
        return JobManager()
    use_shared_dir(args.shared)
    try:
        from media_core.cluster.backend import ClusterBackend
    except ImportError as exc:
        raise InvalidParameterError(NOT_INSTALLED, detail=str(exc)) from exc
    config = ClusterConfig.from_backend_url(
        backend,
        route_gpu=args.gpu_queue,
        visibility_timeout=args.visibility_timeout or DEFAULT_VISIBILITY_TIMEOUT,
    )
    cluster = ClusterBackend(config)
    cluster.check()
    print(f"Jobs run on the cluster at {config.broker.split('@')[-1]}.", file=sys.stderr, flush=True)
    # Waiting threads only: the workers decide how much runs at once.
    return JobManager(heavy_slots=CLUSTER_SLOTS, light_slots=CLUSTER_SLOTS, run_elsewhere=cluster.runner_for)


#: Jobs the server follows at once on a cluster (each a thread polling the result backend).
CLUSTER_SLOTS = 64
