"""Audio work on videos: merge/replace/mix a track (offset, ducking, EBU R128), extract, measure loudness."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ..errors import FFmpegError, InvalidParameterError, NoAudioStreamError, NoVideoStreamError
from ..ffmpeg import LogFn, run_ffmpeg
from ..paths import atomic_output
from ..probe import probe
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .plan import RenderResult

PathLike = str | os.PathLike

TRUE_PEAK = -1.5
LOUDNESS_RANGE = 11.0


class LoudnessStats(BaseModel):
    integrated: float  # LUFS
    true_peak: float  # dBTP
    lra: float  # LU
    threshold: float
    #: Gain loudnorm would add in its second pass (only from a measurement made with a target).
    target_offset: float = 0.0


def _parse_loudnorm(tail: list[str]) -> LoudnessStats:
    text = "\n".join(tail)
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", text, re.S)
    if not match:
        raise FFmpegError("Could not measure the loudness of the audio.", detail=text)
    data = json.loads(match.group(0))
    return LoudnessStats(
        integrated=float(data["input_i"]),
        true_peak=float(data["input_tp"]),
        lra=float(data["input_lra"]),
        threshold=float(data["input_thresh"]),
        target_offset=float(data["target_offset"]),
    )


def _loudnorm_measure(
    input_args: list[str],
    graph_prefix: str,
    label: str,
    target: float,
    *,
    duration: float | None,
    progress,
    cancel,
    log,
) -> LoudnessStats:
    """First loudnorm pass: run the same graph into loudnorm's analyser, discard the output."""
    graph = f"{graph_prefix}[{label}]loudnorm=I={target}:TP={TRUE_PEAK}:LRA={LOUDNESS_RANGE}:print_format=json[m]"
    result = run_ffmpeg(
        [*input_args, "-filter_complex", graph, "-map", "[m]", "-f", "null", "-"],
        duration=duration,
        progress=progress,
        cancel=cancel,
        log=log,
        stage="Measuring loudness",
    )
    return _parse_loudnorm(result.stderr_tail)


def measure_loudness(
    path: PathLike, *, target_lufs: float = -14.0, cancel: CancelToken | None = None, log: LogFn | None = None
) -> LoudnessStats:
    """EBU R128 integrated loudness, true peak and range of ``path``'s first audio stream."""
    info = probe(path)
    if not info.has_audio:
        raise NoAudioStreamError(f"{Path(path).name} has no audio to measure.")
    return _loudnorm_measure(
        ["-i", str(path)], "", "0:a:0", target_lufs, duration=info.duration, progress=None, cancel=cancel, log=log
    )


def merge_video_audio(
    video: PathLike,
    audio: PathLike,
    out: PathLike,
    offset: float = 0.0,
    mode: Literal["replace", "mix"] = "replace",
    music_volume: float = 1.0,
    ducking: bool = False,
    loudness_normalize: bool = False,
    target_lufs: float = -14.0,
    *,
    audio_bitrate: str = "192k",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> RenderResult:
    """Put ``audio`` on ``video``. The video stream is copied; the output lasts as long as the video.

    ``offset`` > 0 delays the added audio, < 0 cuts that much from its head. ``mix``
    keeps the original sound and adds ``audio`` at ``music_volume``; ``ducking``
    lowers the added audio while the original has sound (sidechain compression).
    ``loudness_normalize`` runs two-pass EBU R128 loudnorm (linear) to ``target_lufs``.
    """
    if mode not in ("replace", "mix"):
        raise InvalidParameterError(f"Unknown audio mode {mode!r} (use replace or mix).")
    if not 0 <= music_volume <= 4:
        raise InvalidParameterError("The added audio's volume must be between 0 and 4.")
    token = as_token(cancel)
    report = as_progress(progress)
    vinfo = probe(video)
    ainfo = probe(audio)
    if not vinfo.has_video:
        raise NoVideoStreamError(f"{Path(video).name} has no video to put the audio on.")
    if not ainfo.has_audio:
        raise NoAudioStreamError(f"{Path(audio).name} has no audio track.")
    duration = vinfo.duration
    started = time.monotonic()

    input_args = ["-i", str(video)]
    if offset < 0:
        input_args += ["-ss", f"{-offset:.3f}"]
    input_args += ["-i", str(audio)]

    # The added track: offset, volume, then padded with silence to the video's length.
    added = "[1:a:0]aresample=48000,aformat=channel_layouts=stereo"
    if offset > 0:
        added += f",adelay=delays={round(offset * 1000)}:all=1"
    added += f",volume={music_volume:.3f},apad[added]"
    chains = [added]
    if mode == "mix" and vinfo.has_audio:
        chains.append(
            "[0:a:0]aresample=48000,aformat=channel_layouts=stereo,asplit=2[orig][side]"
            if ducking
            else "[0:a:0]aresample=48000,aformat=channel_layouts=stereo[orig]"
        )
        if ducking:
            chains.append(
                "[added][side]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400:makeup=1[ducked]"
            )
            music = "ducked"
        else:
            music = "added"
        chains.append(f"[orig][{music}]amix=inputs=2:duration=first:normalize=0[mixed]")
        label = "mixed"
    else:
        label = "added"
    prefix = ";".join(chains) + ";"
    trim = f"atrim=end={duration:.3f}"

    steps = report.span(0.0, 0.5 if loudness_normalize else 0.0)
    final = f"{prefix}[{label}]{trim}"
    if loudness_normalize:
        stats = _loudnorm_measure(
            input_args,
            prefix + f"[{label}]{trim}[pre];",
            "pre",
            target_lufs,
            duration=duration,
            progress=steps,
            cancel=token,
            log=log,
        )
        final += (
            f",loudnorm=I={target_lufs}:TP={TRUE_PEAK}:LRA={LOUDNESS_RANGE}"
            f":measured_I={stats.integrated}:measured_TP={stats.true_peak}:measured_LRA={stats.lra}"
            f":measured_thresh={stats.threshold}:offset={stats.target_offset}:linear=true,"
            f"aresample=48000"
        )
    final += "[aout]"
    out = Path(out)
    with atomic_output(out) as tmp:
        result = run_ffmpeg(
            [
                *input_args,
                "-filter_complex",
                final,
                "-map",
                "0:v:0",
                "-map",
                "[aout]",
                "-c:v",
                "copy",
                "-c:a",
                "aac",
                "-b:a",
                audio_bitrate,
                "-t",
                f"{duration:.3f}",
                *(["-movflags", "+faststart"] if out.suffix.lower() in (".mp4", ".mov", ".m4v") else []),
                str(tmp),
            ],
            duration=duration,
            progress=report.span(0.5 if loudness_normalize else 0.0, 1.0),
            cancel=token,
            log=log,
            stage="Merging audio",
        )
    done = probe(out)
    size = done.display_size or (0, 0)
    return RenderResult(
        output=out,
        duration=done.duration,
        width=size[0],
        height=size[1],
        elapsed=time.monotonic() - started,
        command=[str(out) if a == str(tmp) else a for a in result.args],
    )


_AUDIO_FORMATS = {
    "wav": ["-c:a", "pcm_s16le"],
    "m4a": ["-c:a", "aac", "-b:a", "192k"],
    "mp3": ["-c:a", "libmp3lame", "-q:a", "2"],
}


def extract_audio(
    video: PathLike,
    out: PathLike,
    fmt: Literal["wav", "m4a", "mp3"] | None = None,
    *,
    sample_rate: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> Path:
    """The first audio track as WAV / M4A (copied when it is already AAC) / MP3."""
    out = Path(out)
    chosen: str = fmt or out.suffix.lower().lstrip(".")
    if chosen not in _AUDIO_FORMATS:
        raise InvalidParameterError(f"Audio format {chosen!r} is not supported (use wav, m4a or mp3).")
    if out.suffix.lower() != f".{chosen}":
        out = out.with_suffix(f".{chosen}")
    info = probe(video)
    if info.audio is None:
        raise NoAudioStreamError(f"{Path(video).name} has no audio track to extract.")
    codec = (
        ["-c:a", "copy"]
        if chosen == "m4a" and info.audio.codec == "aac" and not sample_rate
        else _AUDIO_FORMATS[chosen]
    )
    rate = ["-ar", str(sample_rate)] if sample_rate else []
    with atomic_output(out) as tmp:
        run_ffmpeg(
            ["-i", str(video), "-map", "0:a:0", "-vn", *codec, *rate, str(tmp)],
            duration=info.duration,
            progress=progress,
            cancel=cancel,
            log=log,
            stage="Extracting audio",
        )
    return out
