"""The ``reframe`` command line: one subcommand per module listed in :data:`COMMANDS`.

Each module ``media_core/cli/<name>.py`` exposes ``register(subparsers)``, which adds
its parser and sets ``func`` (``args -> exit code``). Exit codes: 0 success, 2 a
problem the user can fix (bad file, bad option: one clear line on stderr, no
traceback unless ``--debug``), 130 cancelled with Ctrl-C, 1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import sys
import traceback

# Imported by name, not looked up from strings: a frozen build (PyInstaller) only ships the
# modules it can see imported. The modules import their heavy dependencies lazily.
from . import (
    captions,
    debug_info,
    demo,
    jobs,
    serve,
    shorts,
    tighten,
    translate,
    translate_packages,
    update,
    watch,
    worker,
)

#: Subcommand modules, in help order. Add yours with a one-line edit (and to the import above).
COMMANDS = [
    captions,
    demo,
    translate,
    translate_packages,
    shorts,
    tighten,
    jobs,
    serve,
    worker,
    watch,
    debug_info,
    update,
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 130


def build_parser() -> argparse.ArgumentParser:
    from media_core import __version__

    parser = argparse.ArgumentParser(
        prog="reframe", description="Reframe: captions, styled subtitles, translation and shorts, offline."
    )
    parser.add_argument("--version", action="version", version=f"reframe {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def command_names() -> set[str]:
    """Every subcommand the parser accepts (the frozen launcher sends these to the CLI)."""
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def report_error(exc: BaseException, debug: bool) -> None:
    """One readable line on stderr; the traceback and technical detail only with ``--debug``."""
    from media_core.errors import ReframeError

    if debug:
        traceback.print_exception(exc, file=sys.stderr)
        detail = getattr(exc, "detail", None)
        if detail:
            print(f"detail: {detail}", file=sys.stderr)
    message = str(exc) if isinstance(exc, ReframeError) else f"{type(exc).__name__}: {exc}"
    message = " ".join(message.split())  # one line, whatever the message carried
    print(f"error: {message}", file=sys.stderr)


def validation_message(exc) -> str:
    """A pydantic ValidationError as ``invalid option: field: problem; …`` (one line)."""
    from media_core.jobs.validation import field_errors, summary

    return "invalid option: " + summary(field_errors(exc.errors(), ("transcription", "grouping")))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # --debug is accepted anywhere on the line (subcommand parsers belong to their modules).
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    parser = build_parser()
    args = parser.parse_args(argv)
    args.debug = debug
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    from pydantic import ValidationError

    from media_core.errors import CancelledError, ReframeError

    try:
        return int(args.func(args) or 0)
    except CancelledError:
        print("Cancelled.", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        print("Cancelled.", file=sys.stderr)
        return EXIT_CANCELLED
    except ReframeError as exc:
        report_error(exc, debug)
        return EXIT_USAGE
    except ValidationError as exc:
        if debug:
            traceback.print_exception(exc, file=sys.stderr)
        print(f"error: {validation_message(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: still no raw traceback unless asked for
        report_error(exc, debug)
        if not debug:
            print("(run again with --debug to see the details)", file=sys.stderr)
        return EXIT_FAILURE
