"""``reframe shorts VIDEO [-n 3] [--min 20] [--max 60] [--aspect 9:16] [--prompt TEXT] [--plan-only]``.

Finds the best moments of a long video and renders them as captioned clips (plus
manifest, CSV, EDL and FCPXML). Errors and Ctrl-C follow the CLI's conventions
(media_core/cli/__init__.py).
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "shorts",
        help="find the best moments of a long video and render vertical clips",
        description="Transcribe once, pick the best self-contained moments (explainable score), "
        "render each as a captioned short, and export manifest/CSV/EDL/FCPXML.",
    )
    parser.add_argument(
        "video", metavar="VIDEO", nargs="+", help="video file(s), folders or globs; several run as one batch"
    )
    _add_options(parser)
    parser.set_defaults(func=run)
    return parser


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", "--num-clips", type=int, default=3)
    parser.add_argument("--min", dest="min_duration", type=float, default=20.0, help="shortest clip, seconds")
    parser.add_argument("--max", dest="max_duration", type=float, default=60.0, help="longest clip, seconds")
    parser.add_argument("--aspect", choices=("9:16", "1:1", "16:9", "4:5"), default="9:16")
    parser.add_argument("--strategy", choices=("crop", "blur_bg", "pad"), default="crop")
    parser.add_argument("--focus-x", type=float, default=0.5)
    parser.add_argument(
        "--follow-faces", action="store_true", help="the crop follows the speaker's face (steady, per-shot layouts)"
    )
    parser.add_argument(
        "--no-split", action="store_true", help="with --follow-faces: never stack two speakers (split layout)"
    )
    parser.add_argument(
        "--layout",
        choices=("auto", "single", "split", "fit"),
        default="auto",
        help="with --follow-faces: force one layout instead of choosing per shot",
    )
    parser.add_argument("--no-captions", action="store_true")
    parser.add_argument("--style", default=None, help="caption preset name")
    parser.add_argument("--trim-silences", action="store_true")
    parser.add_argument("--tighten", action="store_true", help="cut filler words and long pauses out of each clip")
    parser.add_argument("--extra-fillers", default="", help='with --tighten: more fillers, e.g. "like,so"')
    parser.add_argument("--prompt", default=None, help='e.g. "moments where I talk about pricing"')
    meaning = parser.add_mutually_exclusive_group()
    meaning.add_argument(
        "--semantic",
        dest="semantic",
        action="store_true",
        default=None,
        help="match the prompt by meaning (the default when the MiniLM model is installed)",
    )
    meaning.add_argument(
        "--no-semantic", dest="semantic", action="store_false", help="match the prompt by its words only"
    )
    parser.add_argument(
        "--ai-rank",
        action="store_true",
        help="rank with the OpenAI-compatible model set in the settings (never in offline mode)",
    )
    parser.add_argument("--diarize", action="store_true", help="find speakers; clips then start and end between turns")
    parser.add_argument("--speakers", type=int, default=None, help="exact number of speakers (with --diarize)")
    parser.add_argument(
        "--prefer-speaker", default=None, metavar="LABEL", help='rank clips of this speaker higher, e.g. "Speaker 2"'
    )
    parser.add_argument("--model", default="tiny.en", help="transcription model name or folder")
    parser.add_argument("--language", default=None)
    parser.add_argument("--height", type=int, default=1920, help="output height in pixels")
    parser.add_argument("--out", default=None, help="output folder")
    parser.add_argument("--plan-only", action="store_true", help="only list the clips, render nothing")


def run(args: argparse.Namespace) -> int:
    from media_core.progress import Progress
    from media_core.shorts.pipeline import find_shorts, render_shorts

    from .interrupt import run_with_cancel
    from .progress_bar import ProgressBar

    videos = args.video if isinstance(args.video, list) else [args.video]
    if len(videos) > 1 or Path(videos[0]).is_dir() or (not Path(videos[0]).exists() and glob.glob(videos[0])):
        return run_many(args, videos)
    job = job_from_args(args, videos[0])
    request = job.shorts_request()
    bar = ProgressBar()
    report = Progress(bar)
    try:
        plan = run_with_cancel(
            lambda token: find_shorts(
                job.input, request, progress=report.span(0.0, 0.5 if not args.plan_only else 1.0), cancel=token
            )
        )
        if not args.plan_only:
            result = run_with_cancel(
                lambda token: render_shorts(
                    job.input, request, plan.clips, progress=report.span(0.5, 1.0), cancel=token
                )
            )
    finally:
        bar.close()
    for clip in plan.clips:
        print(
            f"#{clip.rank} {clip.start:8.2f}-{clip.end:8.2f} ({clip.duration:4.1f} s) "
            f"score {clip.score:5.1f}  {clip.title}\n    {clip.reason}",
            file=sys.stderr,
        )
    if args.plan_only:
        return 0
    for clip in result.clips:
        print(clip.video_path)
    print(result.manifest_path)
    return 0


def run_many(args: argparse.Namespace, videos: list[str]) -> int:
    """A batch: one shorts job per video, one line per video on stdout; exit code 1 if any failed."""
    from media_core.batch import expand_inputs, run_batch
    from media_core.errors import InvalidParameterError

    from .jobs import manager_for_cli
    from .progress_bar import ProgressBar

    if args.plan_only:
        raise InvalidParameterError("--plan-only takes one video.")
    files = expand_inputs(videos)
    requests = [job_from_args(args, str(path), many=True) for path in files]  # every error before any work
    manager = manager_for_cli()
    bar = ProgressBar()
    try:
        failed = run_batch(manager, requests, title=f"Shorts · {len(files)} videos", out=sys.stdout, on_progress=bar)
    finally:
        bar.close()
        manager.shutdown()
    return 1 if failed else 0


def job_from_args(args: argparse.Namespace, video: str, *, many: bool = False):
    """The shorts job request: the same model as the app's and the HTTP API's shorts job. In a
    batch ``--out`` holds one run folder per video."""
    from media_core.jobs.requests import ShortsJob
    from media_core.jobs.validation import validate_request

    return validate_request(
        ShortsJob,
        {
            "input": video,
            "num_clips": args.num_clips,
            "min_duration": args.min_duration,
            "max_duration": args.max_duration,
            "aspect": args.aspect,
            "strategy": args.strategy,
            "focus_x": args.focus_x,
            "follow_faces": args.follow_faces,
            "split_speakers": not args.no_split,
            "layout": args.layout,
            "captions": not args.no_captions,
            "style": args.style,
            "trim_silences": args.trim_silences,
            "tighten": args.tighten,
            "extra_fillers": [w.strip() for w in args.extra_fillers.split(",") if w.strip()],
            "prompt": args.prompt,
            "semantic": args.semantic,
            "scorer": "llm" if args.ai_rank else "heuristic",
            "output_height": args.height,
            "output_dir": None if many else args.out,
            "output_root": args.out if many else None,
            "transcription": {"model": args.model, "language": args.language},
            "diarize": args.diarize,
            "speakers": args.speakers,
            "prefer_speaker": args.prefer_speaker,
        },
        "reframe shorts",
    )
