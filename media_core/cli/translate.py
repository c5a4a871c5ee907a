"""``reframe translate SUBS --to es [--from en] [--backend …] [--bilingual [stacked|two_track]] [--out PATH]``.

The cloud backend uses the endpoint of the engine settings (or ``REFRAME_TRANSLATE_*``);
``--cloud-url``/``--cloud-model`` override URL and model for one run. There is no API-key
option on purpose: command lines end up in shell history and process lists.

Also runnable on its own: ``python -m media_core.cli.translate …``.
"""

from __future__ import annotations

import argparse
import sys


def _backends() -> list[str]:
    from media_core.translation.base import user_backends

    # The identity backend exists for plumbing tests only; users never see it.
    return ["auto", *user_backends()]


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "translate",
        help="translate a subtitle file (SRT, VTT, ASS)",
        description="Translate subtitles offline (Argos Translate, Apertium) or with a cloud endpoint; "
        "cue count and timing stay exactly the same. Offline language packages: "
        "`reframe translate-packages`.",
    )
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("subs", metavar="SUBS", help="subtitle file to translate")
    parser.add_argument(
        "--to", dest="tgt", required=True, help="target language code(s), e.g. es or es,ca,gl (one set of files each)"
    )
    parser.add_argument(
        "--from",
        dest="src",
        default=None,
        help="source language code (default: from the transcript JSON beside the file)",
    )
    parser.add_argument(
        "--backend",
        choices=_backends(),
        default="auto",
        help="translation engine (auto: argos, then apertium, then cloud)",
    )
    parser.add_argument(
        "--bilingual",
        nargs="?",
        const="stacked",
        choices=("stacked", "two_track"),
        default=None,
        help="also write original + translation (stacked in one cue, or a two-track ASS)",
    )
    parser.add_argument("--out", default=None, help="path of the translated file (default: outputs folder)")
    parser.add_argument("--batch-size", type=int, default=40, help="cues sent to the engine together")
    parser.add_argument("--offline", action="store_true", help="never use the network (disables cloud)")
    parser.add_argument(
        "--cloud-url",
        default=None,
        help="OpenAI-compatible endpoint for this run (default: the one in Settings); the stored "
        "API key is only sent to the endpoint it was stored for",
    )
    parser.add_argument("--cloud-model", default=None, help="model name for the cloud endpoint (this run only)")
    parser.add_argument("-v", "--verbose", action="store_true", help="say which engine ran and how long it took")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    # Errors (exit 2, one line) and Ctrl-C (exit 130, no partial files) are handled by media_core.cli.main.
    from media_core.jobs.requests import TranslateSubtitlesJob
    from media_core.jobs.validation import validate_request
    from media_core.translation.subtitles import translate_subtitle_file_many

    from .interrupt import run_with_cancel
    from .progress_bar import ProgressBar

    # The same request model as the app's and the HTTP API's translate_subtitles job.
    request = validate_request(
        TranslateSubtitlesJob,
        {
            "input": args.subs,
            "tgt": args.tgt,
            "src": args.src,
            "backend": args.backend,
            "bilingual": args.bilingual or False,
            "out": args.out,
            "batch_size": args.batch_size,
            "offline": True if args.offline else None,
            "cloud_base_url": args.cloud_url,
            "cloud_model": args.cloud_model,
        },
        "reframe translate",
    )
    bar = ProgressBar(enabled=not args.quiet)

    def say(line: str) -> None:
        if args.verbose:
            bar.close()
            print(line, file=sys.stderr, flush=True)

    try:
        results = run_with_cancel(
            lambda token: translate_subtitle_file_many(
                request.input,
                request.tgt,
                request.src,
                backend=request.backend,
                bilingual=request.bilingual,
                out=request.out,
                batch_size=request.batch_size,
                offline=request.offline,
                cloud_base_url=request.cloud_base_url,
                cloud_model=request.cloud_model,
                progress=bar,
                cancel=token,
                log=say,
            )
        )
    finally:
        bar.close()
    for result in results:
        print(f"Translated {result.cues} cues {result.src}→{result.tgt} with {result.backend}:")
        for path in result.outputs:
            print(f"  {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from . import main as reframe_main

    return reframe_main(["translate", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
