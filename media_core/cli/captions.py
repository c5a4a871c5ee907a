"""``reframe captions INPUT [--format srt,vtt,ass,txt,json,rttm] [--model tiny.en] [--diarize [--speakers N]]``.

Transcribes an audio or video file and writes subtitle files; prints each written
path on stdout (one per line, so scripts can use them) and progress on stderr.
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

from media_core.errors import InvalidParameterError
from media_core.subtitles.formats import FORMATS, SUBTITLE_FORMATS


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "captions",
        help="transcribe a video or audio file into subtitle files",
        description="Transcribe speech with Whisper and write subtitles (SRT, VTT, ASS), a plain-text "
        "transcript (TXT) and a word-level JSON.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        metavar="INPUT",
        nargs="+",
        help="video or audio file(s), folders or globs; several run as one batch (one line per file)",
    )
    parser.add_argument(
        "-f",
        "--format",
        default="srt",
        help=f"comma-separated output formats: {','.join(FORMATS)} or all (default: srt; rttm = speaker turns)",
    )
    parser.add_argument(
        "-m",
        "--model",
        default="tiny.en",
        help="model name (tiny.en, base, …) or a model folder / ggml file (default: tiny.en)",
    )
    parser.add_argument("-l", "--language", default="auto", help="spoken language code (en, es, …) or auto")
    parser.add_argument("--backend", choices=("faster-whisper", "whisper.cpp"), default="faster-whisper")
    parser.add_argument("-o", "--out", default=None, help="output folder (default: Reframe's outputs folder)")
    parser.add_argument("--name", dest="basename", default=None, help="output file name without extension")
    parser.add_argument("--max-chars", type=int, default=42, help="characters per subtitle row (default: 42)")
    parser.add_argument("--max-lines", type=int, default=2, choices=(1, 2), help="rows per subtitle (default: 2)")
    parser.add_argument("--max-duration", type=float, default=6.0, help="longest subtitle, seconds (default: 6)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for transcription (0 = automatic)")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--no-vad", action="store_true", help="do not skip silences with voice detection")
    parser.add_argument(
        "--no-refine-timing",
        action="store_true",
        help="keep the recogniser's own word times instead of snapping them to the audio",
    )
    parser.add_argument(
        "--prompt", dest="initial_prompt", default=None, help="words to prime the recogniser with (names, jargon)"
    )
    parser.add_argument(
        "--translate-to", default=None, help="also write translated SRT/VTT/ASS in these languages (es or es,ca,gl)"
    )
    parser.add_argument("--diarize", action="store_true", help="find who speaks when and label the captions")
    parser.add_argument("--speakers", type=int, default=None, help="exact number of speakers (with --diarize)")
    parser.add_argument("--min-speakers", type=int, default=None, help="at least this many speakers")
    parser.add_argument("--max-speakers", type=int, default=None, help="at most this many speakers")
    parser.add_argument(
        "--speaker-label",
        choices=("brackets", "colon", "none"),
        default="brackets",
        help='speaker prefix in SRT/VTT: "[Name] text", "Name: text" or none (default: brackets)',
    )
    parser.add_argument(
        "--diarization-backend",
        choices=("offline", "pyannote", "speechbrain"),
        default="offline",
        help="offline (built in, default), pyannote (needs pyannote.audio and a Hugging Face token) "
        "or speechbrain (needs speechbrain and the ECAPA model folder)",
    )
    parser.add_argument(
        "--speaker-name",
        action="append",
        default=[],
        metavar="LABEL=NAME",
        help='rename a detected speaker, e.g. --speaker-name "Speaker 1=Ana" (repeatable)',
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def parse_formats(value: str, diarize: bool = False) -> list[str]:
    if value.strip().lower() == "all":
        # RTTM holds only speaker turns, so "all" includes it only when speakers are labelled.
        return list(FORMATS if diarize else SUBTITLE_FORMATS)
    return [f for f in (part.strip().lower().lstrip(".") for part in value.split(",")) if f]


def request_from_args(args: argparse.Namespace, source: str | None = None):
    """The captions job request (the same model the app and the HTTP API submit)."""
    from media_core.jobs.requests import CaptionsJob
    from media_core.jobs.validation import validate_request

    if source is None:
        source = args.input[0] if isinstance(args.input, list) else args.input
    data = {
        "input": source,
        "transcription": {
            "backend": args.backend,
            "model": args.model,
            "language": args.language,
            "threads": args.threads,
            "beam_size": args.beam_size,
            "vad": not args.no_vad,
            "refine_word_timing": not args.no_refine_timing,
            "initial_prompt": args.initial_prompt,
        },
        "grouping": {
            "max_chars_per_line": args.max_chars,
            "max_lines": args.max_lines,
            "max_duration": args.max_duration,
        },
        "formats": parse_formats(args.format, args.diarize or args.speakers is not None),
        "out_dir": args.out,
        "basename": args.basename,
        "translate_to": args.translate_to,
        "diarize": args.diarize or args.speakers is not None,
        "speakers": args.speakers,
        "min_speakers": args.min_speakers,
        "max_speakers": args.max_speakers,
        "speaker_label": args.speaker_label,
        "speaker_names": parse_speaker_names(args.speaker_name),
        "diarization_backend": args.diarization_backend,
    }
    return validate_request(CaptionsJob, data, "reframe captions")


def parse_speaker_names(values: list[str]) -> dict[str, str]:
    from media_core.errors import InvalidParameterError

    names = {}
    for value in values:
        label, sep, name = value.partition("=")
        if not sep or not label.strip() or not name.strip():
            raise InvalidParameterError(f'--speaker-name wants LABEL=NAME (e.g. "Speaker 1=Ana"), got "{value}".')
        names[label.strip()] = name.strip()
    return names


def run(args: argparse.Namespace) -> int:
    from media_core.captions import generate_captions

    from .interrupt import run_with_cancel
    from .progress_bar import ProgressBar

    inputs = args.input if isinstance(args.input, list) else [args.input]
    first = Path(inputs[0])
    if len(inputs) > 1 or first.is_dir() or (not first.exists() and glob.glob(inputs[0])):
        return run_many(args, inputs)
    request = request_from_args(args)  # option errors surface before any work starts
    bar = ProgressBar(enabled=not args.quiet)
    try:
        result = run_with_cancel(lambda token: generate_captions(request.input, request, progress=bar, cancel=token))
    finally:
        bar.close()
    for path in result.outputs.values():
        print(path)
    return 0


def run_many(args: argparse.Namespace, inputs: list[str]) -> int:
    """A batch: one job per file, one line per file on stdout; exit code 1 if any failed."""
    from media_core.batch import expand_inputs, run_batch

    from .jobs import manager_for_cli
    from .progress_bar import ProgressBar

    files = expand_inputs(inputs)
    if args.basename and len(files) > 1:
        raise InvalidParameterError("--name names one output; leave it out for a batch.")
    requests = [request_from_args(args, str(path)) for path in files]  # every error before any work
    manager = manager_for_cli()
    bar = ProgressBar(enabled=not args.quiet)
    try:
        failed = run_batch(manager, requests, title=f"Captions · {len(files)} files", out=sys.stdout, on_progress=bar)
    finally:
        bar.close()
        manager.shutdown()
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    from . import main as reframe_main

    return reframe_main(["captions", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
