"""``reframe translate SUBS --to es [--from en] [--backend …] [--bilingual [stacked|two_track]] [--out PATH]``.

Also runnable on its own: ``python -m media_core.cli.translate …``.
"""

from __future__ import annotations

import argparse
import sys

BACKENDS = ("auto", "argos", "apertium", "cloud", "identity")


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "translate", help="translate a subtitle file (SRT, VTT, ASS)",
        description="Translate subtitles offline (Argos Translate, Apertium) or with a cloud endpoint; "
                    "cue count and timing stay exactly the same.")
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("subs", metavar="SUBS", help="subtitle file to translate")
    parser.add_argument("--to", dest="tgt", required=True, help="target language code, e.g. es")
    parser.add_argument("--from", dest="src", default=None,
                        help="source language code (default: from the transcript JSON beside the file)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto",
                        help="translation engine (auto: argos, then apertium, then cloud)")
    parser.add_argument("--bilingual", nargs="?", const="stacked", choices=("stacked", "two_track"), default=None,
                        help="also write original + translation (stacked in one cue, or a two-track ASS)")
    parser.add_argument("--out", default=None, help="path of the translated file (default: outputs folder)")
    parser.add_argument("--batch-size", type=int, default=40, help="cues sent to the engine together")
    parser.add_argument("--offline", action="store_true", help="never use the network (disables cloud)")


def run(args: argparse.Namespace) -> int:
    from media_core.errors import ReframeError
    from media_core.translation import translate_subtitle_file

    def progress(fraction: float, stage: str = "") -> None:
        print(f"\r{stage or 'translating'} {fraction * 100:5.1f}%", end="", file=sys.stderr, flush=True)

    try:
        result = translate_subtitle_file(
            args.subs, args.tgt, args.src, backend=args.backend, bilingual=args.bilingual or False,
            out=args.out, batch_size=args.batch_size, offline=True if args.offline else None, progress=progress)
    except ReframeError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    print(f"Translated {result.cues} cues {result.src}→{result.tgt} with {result.backend}:")
    for path in result.outputs:
        print(f"  {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reframe translate")
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
