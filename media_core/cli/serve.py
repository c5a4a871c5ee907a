"""``reframe serve``: the HTTP API in the foreground, for scripts and other machines.

It binds 127.0.0.1 unless ``--lan`` is given, and LAN access always needs a token.
Defaults come from the engine settings' ``api`` section (the desktop's Settings).
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP API (localhost only unless --lan)",
        description="Serve the job API: submit, follow, cancel and download jobs over HTTP.",
    )
    parser.add_argument("--port", type=int, default=None, help="port (default: the settings, 8765)")
    parser.add_argument("--lan", action="store_true", help="listen on every interface (needs a token)")
    parser.add_argument("--token", default=None, help="bearer token clients must send (required with --lan)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from media_core.api import ApiServer
    from media_core.jobs import JobManager
    from media_core.settings import engine_settings

    settings = engine_settings().api
    updates = {"enabled": True}
    if args.port is not None:
        updates["port"] = args.port
    if args.lan:
        updates["allow_lan"] = True
    if args.token:
        updates["token"] = args.token
    settings = settings.model_copy(update=updates)
    manager = JobManager()
    server = ApiServer(manager, settings)
    where = "every interface" if settings.allow_lan else "127.0.0.1"
    print(
        f"Reframe API on {where}, port {settings.port}"
        + (" (token required)" if settings.token else "")
        + ". Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        manager.shutdown()
    return 0
