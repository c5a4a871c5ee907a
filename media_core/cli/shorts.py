"""``reframe shorts VIDEO [-n 3] [--min 20] [--max 60] [--aspect 9:16] [--prompt TEXT] [--plan-only]``.

Finds the best moments of a long video and renders them as captioned clips (plus
manifest, CSV, EDL and FCPXML). Also runnable on its own: ``python -m media_core.cli.shorts …``.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "shorts", help="find the best moments of a long video and render vertical clips",
        description="Transcribe once, pick the best self-contained moments (explainable score), "
                    "render each as a captioned short, and export manifest/CSV/EDL/FCPXML.")
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", metavar="VIDEO")
    parser.add_argument("-n", "--num-clips", type=int, default=3)
    parser.add_argument("--min", dest="min_duration", type=float, default=20.0, help="shortest clip, seconds")
    parser.add_argument("--max", dest="max_duration", type=float, default=60.0, help="longest clip, seconds")
    parser.add_argument("--aspect", choices=("9:16", "1:1", "16:9", "4:5"), default="9:16")
    parser.add_argument("--strategy", choices=("crop", "blur_bg", "pad"), default="crop")
    parser.add_argument("--focus-x", type=float, default=0.5)
    parser.add_argument("--no-captions", action="store_true")
    parser.add_argument("--style", default=None, help="caption preset name")
    parser.add_argument("--trim-silences", action="store_true")
    parser.add_argument("--prompt", default=None, help='e.g. "moments where I talk about pricing"')
    parser.add_argument("--semantic", action="store_true", help="also match the prompt by meaning (MiniLM)")
    parser.add_argument("--model", default="tiny.en", help="transcription model name or folder")
    parser.add_argument("--language", default=None)
    parser.add_argument("--height", type=int, default=1920, help="output height in pixels")
    parser.add_argument("--out", default=None, help="output folder")
    parser.add_argument("--plan-only", action="store_true", help="only list the clips, render nothing")


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from media_core.errors import ReframeError
    from media_core.shorts.models import ShortsRequest
    from media_core.shorts.pipeline import find_shorts, render_shorts

    def progress(fraction: float, stage: str = "") -> None:
        print(f"\r{stage or 'working'} {fraction * 100:5.1f}%".ljust(60), end="", file=sys.stderr, flush=True)

    try:
        request = ShortsRequest(
            num_clips=args.num_clips, min_duration=args.min_duration, max_duration=args.max_duration,
            aspect=args.aspect, strategy=args.strategy, focus_x=args.focus_x, captions=not args.no_captions,
            style=args.style, trim_silences=args.trim_silences, prompt=args.prompt, semantic=args.semantic,
            output_height=args.height, output_dir=args.out,
            transcription={"model": args.model, "language": args.language})
        plan = find_shorts(args.video, request, progress=progress)
        print(file=sys.stderr)
        for clip in plan.clips:
            print(f"#{clip.rank} {clip.start:8.2f}-{clip.end:8.2f} ({clip.duration:4.1f} s) "
                  f"score {clip.score:5.1f}  {clip.title}\n    {clip.reason}")
        if args.plan_only:
            return 0
        result = render_shorts(args.video, request, plan.clips, progress=progress)
        print(file=sys.stderr)
    except ReframeError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:  # option values out of range
        msgs = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors())
        print(f"\nerror: {msgs}", file=sys.stderr)
        return 2
    for clip in result.clips:
        print(clip.video_path)
    print(result.manifest_path)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reframe shorts")
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
