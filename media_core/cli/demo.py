"""``reframe demo``: the headless end-to-end job on the bundled sample.

Transcribes ``resources/samples/sample.mp4`` (JFK, 11 s) with tiny.en and writes all
five formats, then says where they went. It is what ``reframe-desktop`` runs when
there is no display, and a quick way to check an install works.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "demo",
        help="caption the bundled sample clip (checks that everything works)",
        description="Transcribe the bundled 11-second sample with tiny.en and write SRT, VTT, ASS, TXT and JSON.",
    )
    parser.add_argument("-o", "--out", default=None, help="output folder (default: <outputs>/demo)")
    parser.add_argument("-m", "--model", default="tiny.en")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0 = automatic)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
    return parser


def sample_path():
    from media_core.errors import InputNotFoundError
    from media_core.resources import resource

    path = resource("samples", "sample.mp4")
    if not path.is_file():
        raise InputNotFoundError(f"The bundled sample is missing from this installation ({path}).")
    return path


def run(args: argparse.Namespace) -> int:
    from media_core.captions import CaptionsRequest, generate_captions
    from media_core.paths import outputs_dir
    from media_core.subtitles.formats import SUBTITLE_FORMATS

    from .interrupt import run_with_cancel
    from .progress_bar import ProgressBar

    sample = sample_path()
    request = CaptionsRequest(
        transcription={"model": args.model, "language": "en", "threads": args.threads},
        formats=list(SUBTITLE_FORMATS),
        out_dir=args.out or outputs_dir() / "demo",
        basename="sample",
    )
    bar = ProgressBar(enabled=not args.quiet)
    print(f"Reframe demo: captioning {sample.name} with {args.model}…", file=sys.stderr, flush=True)
    try:
        result = run_with_cancel(lambda token: generate_captions(sample, request, progress=bar, cancel=token))
    finally:
        bar.close()
    meta = result.transcript.meta
    print(
        f"Transcribed {result.transcript.duration:.1f} s of audio in {result.elapsed:.1f} s "
        f"(language {result.transcript.language}, {len(result.transcript.words)} words, "
        f"{len(result.lines)} subtitle lines, real-time factor {meta.get('rtf')}).",
        file=sys.stderr,
    )
    print(f"Text: {result.transcript.text}", file=sys.stderr)
    print(f"Files written to {next(iter(result.outputs.values())).parent}:", file=sys.stderr)
    for path in result.outputs.values():
        print(path)
    return 0
