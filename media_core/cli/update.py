"""``reframe update``: check for a signed update, and with ``--yes`` download, install, restart.

``reframe update --check`` only says whether a newer version is out. ``reframe update --yes``
downloads it (resuming an interrupted download), installs it the way this copy was
installed (see media_core.updates.install) and, with ``--restart``, starts the new version
(which checks again and says it is current). Every step is printed as ``step: <name>``.

``REFRAME_UPDATE_PAUSE_AT_STEPS=1`` makes the process stop itself (SIGSTOP) after each
printed step, so a person or a test can kill it exactly between two steps and see that
the installed version survives.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "update",
        help="check for a newer Reframe and install it",
        description="Check the signed update feed; with --yes download, verify and install the update.",
    )
    parser.add_argument("--check", action="store_true", help="only say whether an update is available")
    parser.add_argument("-y", "--yes", action="store_true", help="download and install without asking")
    parser.add_argument("--restart", action="store_true", help="start the new version once installed")
    parser.add_argument(
        "--stall-timeout", type=float, default=60.0, help="give up when the server sends nothing for this long (s)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
    return parser


def _step(name: str) -> None:
    print(f"step: {name}", flush=True)
    if os.environ.get("REFRAME_UPDATE_PAUSE_AT_STEPS") == "1" and hasattr(signal, "SIGSTOP"):
        os.kill(os.getpid(), signal.SIGSTOP)


def run(args: argparse.Namespace) -> int:
    from media_core import __version__
    from media_core.settings import engine_settings
    from media_core.updates import check_for_update, clean_leftovers, download_update, install_update

    from .progress_bar import ProgressBar

    clean_leftovers()
    _step("check")
    update = check_for_update(offline=engine_settings().offline)
    if update is None:
        print(f"Reframe {__version__} is up to date.", flush=True)
        return 0
    print(f"Reframe {update.version} is available (installed: {__version__}).", flush=True)
    if update.notes:
        print(update.notes, flush=True)
    if args.check:
        return 0
    if not args.yes:
        print("Run `reframe update --yes` to install it.", flush=True)
        return 0
    _step("download")
    package = download_update(update, progress=ProgressBar(enabled=not args.quiet), stall_timeout=args.stall_timeout)
    executable = install_update(update, package, on_step=_step)
    print(f"Installed Reframe {update.version}.", flush=True)
    if args.restart and update.installation.kind in ("folder", "appimage"):
        sys.stdout.flush()
        os.execv(str(executable), [str(executable), "update", "--check"])
    return 0
