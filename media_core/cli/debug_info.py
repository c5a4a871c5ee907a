"""``reframe debug-info``: what a bug report needs (version, platform, ffmpeg and libass,
models, GPU/encoders, data folders), the same text as the desktop's Help → Copy debug info."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "debug-info",
        help="print version, ffmpeg, models, encoders and folders for a bug report",
        description="Print what a bug report needs to know about this installation.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from media_core.debug_info import collect_debug_info

    print(collect_debug_info().to_text(), end="")
    return 0
