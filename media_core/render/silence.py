"""Remove silent stretches from a video or audio file (silencedetect, then one trim+concat pass)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from pydantic import BaseModel

from ..errors import InvalidParameterError, NoAudioStreamError
from ..ffmpeg import LogFn, run_ffmpeg
from ..paths import atomic_output, new_work_dir
from ..probe import probe
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .escape import filter_path

PathLike = str | os.PathLike


class TrimSilenceResult(BaseModel):
    output: Path
    #: Kept ranges of the source, in seconds.
    kept: list[tuple[float, float]]
    removed_seconds: float
    duration: float


def detect_silences(
    path: PathLike,
    threshold_db: float = -35.0,
    min_silence: float = 0.5,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> list[tuple[float, float]]:
    """Silent stretches (start, end) of ``path``'s first audio track.

    silencedetect's findings are written by ``ametadata`` to a file: the stderr the
    runner keeps is only a tail, and a long file has more silences than that.
    """
    info = probe(path)
    if not info.has_audio:
        raise NoAudioStreamError(f"{Path(path).name} has no audio, so silences cannot be found.")
    work = new_work_dir("silence-")
    try:
        report = work / "silence.txt"
        graph = (
            f"[0:a:0]silencedetect=noise={threshold_db}dB:duration={min_silence},"
            f"ametadata=mode=print:file={filter_path(report)}[s]"
        )
        run_ffmpeg(
            ["-i", str(path), "-filter_complex", graph, "-map", "[s]", "-f", "null", "-"],
            duration=info.duration,
            progress=progress,
            cancel=cancel,
            log=log,
            stage="Finding silences",
        )
        text = report.read_text(encoding="utf-8", errors="replace") if report.exists() else ""
    finally:
        shutil.rmtree(work, ignore_errors=True)
    silences: list[tuple[float, float]] = []
    start: float | None = None
    for key, value in re.findall(r"lavfi\.silence_(start|end)=([-\d.]+)", text):
        if key == "start":
            start = max(0.0, float(value))
        elif start is not None:
            silences.append((start, float(value)))
            start = None
    if start is not None:  # silent up to the end
        silences.append((start, info.duration))
    return silences


def kept_ranges(silences: list[tuple[float, float]], duration: float, padding: float) -> list[tuple[float, float]]:
    """The complement of ``silences``, each silence shrunk by ``padding`` so speech keeps its breath."""
    kept: list[tuple[float, float]] = []
    cursor = 0.0
    for s, e in silences:
        cut_from, cut_to = s + padding, e - padding
        if cut_to - cut_from <= 0.05:
            continue
        if cut_from > cursor:
            kept.append((cursor, cut_from))
        cursor = max(cursor, cut_to)
    if cursor < duration:
        kept.append((cursor, duration))
    return [(round(a, 3), round(b, 3)) for a, b in kept if b - a > 0.02]


def trim_silence(
    path: PathLike,
    out: PathLike,
    threshold_db: float = -35.0,
    min_silence: float = 0.5,
    padding: float = 0.1,
    *,
    crf: int = 20,
    preset: str = "veryfast",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> TrimSilenceResult:
    """Write ``path`` without its silent stretches (video and audio cut together, one encode)."""
    if min_silence <= 0 or padding < 0:
        raise InvalidParameterError("Minimum silence must be positive and padding not negative.")
    token = as_token(cancel)
    report = as_progress(progress)
    info = probe(path)
    silences = detect_silences(path, threshold_db, min_silence, progress=report.span(0, 0.3), cancel=token, log=log)
    kept = kept_ranges(silences, info.duration, padding)
    if not kept:
        raise InvalidParameterError(f"{Path(path).name} is silent everywhere at {threshold_db} dB.")
    chains, labels = [], []
    for i, (a, b) in enumerate(kept):
        if info.has_video:
            chains.append(f"[0:v:0]trim=start={a}:end={b},setpts=PTS-STARTPTS[v{i}]")
            labels.append(f"[v{i}]")
        chains.append(f"[0:a:0]atrim=start={a}:end={b},asetpts=PTS-STARTPTS[a{i}]")
        labels.append(f"[a{i}]")
    v = 1 if info.has_video else 0
    chains.append(f"{''.join(labels)}concat=n={len(kept)}:v={v}:a=1" + ("[vc]" if v else "") + "[ac]")
    maps = (
        ["-map", "[vc]", "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
        if v
        else ["-vn"]
    )
    out = Path(out)
    suffix = out.suffix.lower()
    audio_codec = {
        ".wav": ["-c:a", "pcm_s16le"],
        ".mp3": ["-c:a", "libmp3lame", "-q:a", "2"],
        ".flac": ["-c:a", "flac"],
    }.get(suffix, ["-c:a", "aac", "-b:a", "192k"])
    total = sum(b - a for a, b in kept)
    with atomic_output(out) as tmp:
        run_ffmpeg(
            ["-i", str(path), "-filter_complex", ";".join(chains), *maps, "-map", "[ac]", *audio_codec, str(tmp)],
            duration=total,
            progress=report.span(0.3, 1.0),
            cancel=token,
            log=log,
            stage="Removing silences",
        )
    return TrimSilenceResult(
        output=out, kept=kept, removed_seconds=round(info.duration - total, 3), duration=probe(out).duration
    )
