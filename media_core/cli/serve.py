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
    parser.add_argument("--show-token", action="store_true", help="print the token clients must send, then exit")
    parser.add_argument("--new-token", action="store_true", help="replace the stored token, print it, then exit")
    # Kept only to explain why it is gone: a token in argv shows in `ps` to every user.
    parser.add_argument("--token", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from media_core.api import ApiServer
    from media_core.api.token import load_or_create_token, read_token_file, regenerate_token
    from media_core.jobs import JobManager
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
    manager = JobManager()
    notice = take_store_notice(manager.store.path)
    if notice:
        print(f"reframe: {notice}", file=sys.stderr, flush=True)
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
