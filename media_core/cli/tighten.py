"""``reframe tighten VIDEO [--fillers ...] [--extra-fillers ...] [--max-pause S] [--keep-pause S]
[--remove-words 3,4,5] [--preview] [--out PATH]``.

Cuts filler words, picked words and long pauses out of a talking-head video in one pass and
writes captions re-timed to the result. ``--preview`` lists the cuts and renders nothing.
The options are those of the ``transcript_cut`` job (the app's and the HTTP API's)."""

from __future__ import annotations

import argparse
import sys


def _word_list(text: str) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()]


def _indices(text: str) -> list[int]:
    try:
        return [int(i) for i in _word_list(text)]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"word numbers separated by commas, e.g. 3,4,5 (not {text!r})") from exc


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "tighten",
        help="cut filler words and long pauses out of a talking-head video",
        description="Transcribe, cut fillers (um, uh, you know…), picked words and long pauses in one "
        "render with short audio fades, and write captions re-timed to the result.",
    )
    parser.add_argument("video", metavar="VIDEO")
    parser.add_argument(
        "--fillers",
        type=_word_list,
        default=None,
        help="the filler list, comma-separated (default: the language's list)",
    )
    parser.add_argument("--extra-fillers", type=_word_list, default=[], help='added to the list, e.g. "like,so"')
    parser.add_argument("--no-fillers", action="store_true", help="keep filler words")
    parser.add_argument("--max-pause", type=float, default=1.0, help="pauses longer than this are shortened (s)")
    parser.add_argument("--keep-pause", type=float, default=0.3, help="what is left of a long pause (s)")
    parser.add_argument("--keep-pauses", action="store_true", help="never shorten pauses")
    parser.add_argument(
        "--remove-words", type=_indices, default=[], help="word numbers to cut (see --preview), e.g. 3,4,5"
    )
    parser.add_argument("--transcript", default=None, help="a transcript JSON to cut by instead of transcribing")
    parser.add_argument("--model", default="tiny.en", help="transcription model name or folder")
    parser.add_argument("--language", default=None)
    parser.add_argument("--preview", action="store_true", help="list the words and the cuts, render nothing")
    parser.add_argument(
        "--out", default=None, help="output video (default: '<name> (tightened)' in the outputs folder)"
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from media_core.jobs.requests import TranscriptCutJob
    from media_core.jobs.validation import validate_request
    from media_core.progress import Progress

    from .interrupt import run_with_cancel
    from .progress_bar import ProgressBar

    job = validate_request(
        TranscriptCutJob,
        {
            "input": args.video,
            "output": args.out,
            "remove_fillers": not args.no_fillers,
            "fillers": args.fillers,
            "extra_fillers": args.extra_fillers,
            "remove_words": args.remove_words,
            "max_pause": None if args.keep_pauses else args.max_pause,
            "keep_pause": args.keep_pause,
            "transcript": args.transcript,
            "transcription": {"model": args.model, "language": args.language},
        },
        "reframe tighten",
    )
    bar = ProgressBar()
    try:
        if args.preview:
            return _preview(job, run_with_cancel, Progress(bar), bar)
        from media_core.transcript_edit import cut_by_transcript

        result = run_with_cancel(
            lambda token: cut_by_transcript(
                job.input,
                job.output,
                job.options(),
                transcript_path=job.transcript,
                transcription=job.transcription,
                progress=Progress(bar),
                cancel=token,
            )
        )
    finally:
        bar.close()
    _print_cuts(result.plan)
    print(result.output)
    print(result.subtitles)
    return 0


def _preview(job, run_with_cancel, report, bar) -> int:
    from media_core.transcript_edit import preview_cuts

    preview = run_with_cancel(
        lambda token: preview_cuts(
            job.input,
            job.options(),
            transcript_path=job.transcript,
            transcription=job.transcription,
            progress=report,
            cancel=token,
        )
    )
    bar.close()
    words = preview.transcript.words
    print("words: " + " ".join(f"[{i}]{w.text.strip()}" for i, w in enumerate(words)))
    _print_cuts(preview.plan, out=sys.stdout)
    return 0


def _print_cuts(plan, out=sys.stderr) -> None:
    for removal in plan.removals:
        what = f'"{removal.text}"' if removal.text else "pause"
        print(f"cut {removal.start:8.3f}-{removal.end:8.3f} s  {removal.reason:6}  {what}", file=out)
    print(
        f"{len(plan.removals)} cuts, {plan.removed:.2f} s removed: {plan.output_duration:.2f} s of {plan.duration:.2f} s",
        file=out,
    )
