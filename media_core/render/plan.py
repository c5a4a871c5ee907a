"""One render = one ffmpeg run: optional cut + reframe + burned captions + encode.

The shorts pipeline renders every clip through :func:`execute`, so the input is
decoded once and encoded once whatever combination of steps a plan asks for.
Cutting seeks before ``-i`` (fast *and* frame-accurate when re-encoding) and limits
with ``-t``; captions are shifted to clip time (see :mod:`.subtitle_input`).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from ..errors import FFmpegError, InvalidParameterError, NoVideoStreamError
from ..ffmpeg import LogFn, run_ffmpeg
from ..paths import atomic_output, new_work_dir
from ..probe import MediaInfo, check_input_file, probe
from ..progress import CancelToken, ProgressFn, as_token
from ..reframe.models import FacePlan, FollowOptions
from . import encoders
from .geometry import Aspect, Strategy, reframe_chain, target_size
from .subtitle_input import SubtitleSpec, subtitle_filter

#: Filtergraphs longer than this are passed to ffmpeg in a file rather than on the command line.
LONG_GRAPH = 8000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
#: Audio codecs an .mp4/.mov/.mkv can carry as they are (no re-encode needed).
_COPYABLE_AUDIO = {
    ".mp4": {"aac", "mp3", "alac", "opus", "ac3", "eac3"},
    ".m4v": {"aac", "mp3", "alac", "ac3"},
    ".mov": {"aac", "mp3", "alac", "pcm_s16le", "ac3"},
    ".mkv": {"aac", "mp3", "opus", "vorbis", "flac", "ac3", "eac3", "pcm_s16le"},
    ".webm": {"opus", "vorbis"},
}


class Trim(BaseModel):
    start: float = Field(0.0, ge=0)
    end: float | None = None

    @model_validator(mode="after")
    def _order(self) -> Trim:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"trim end ({self.end}) must be after its start ({self.start})")
        return self


class Reframe(BaseModel):
    aspect: Aspect | None = "9:16"
    strategy: Strategy = "crop"
    #: Horizontal centre of the crop window, 0 = left edge, 1 = right edge.
    focus_x: float = Field(0.5, ge=0, le=1)
    #: Output height in pixels (1920, 1080, ...); ``None`` keeps the source's resolution.
    height: int | None = Field(None, ge=16, le=8640)
    #: Follow the faces (crop strategy only): the crop moves with the subject, and the layout
    #: (single / split / fit) is chosen per shot as ``follow`` says.
    follow_faces: bool = False
    follow: FollowOptions | None = None
    #: A precomputed face plan on the render's output timeline (an editor that already analysed
    #: the clip passes it); ``None`` with ``follow_faces`` analyses the input before rendering.
    face_plan: FacePlan | None = None


class EncoderSettings(BaseModel):
    #: ``auto`` = a working hardware encoder if any, else libx264.
    codec: str = "auto"
    crf: int = Field(20, ge=0, le=51)
    preset: str = "veryfast"
    #: ``auto`` copies the source audio when the container takes it and nothing cuts it.
    audio: Literal["auto", "copy", "aac"] = "auto"
    audio_bitrate: str = "160k"
    threads: int | None = None


class RenderPlan(BaseModel):
    input: Path
    output: Path
    trim: Trim | None = None
    reframe: Reframe | None = None
    subtitles: SubtitleSpec | None = None
    #: Subtitle time of the input's first frame: a plan run on an already cut clip (or on a
    #: still taken at t) passes the clip's start so cues on the source timeline still line up.
    subtitle_offset: float = 0.0
    encoder: EncoderSettings = Field(default_factory=EncoderSettings)


class RenderResult(BaseModel):
    output: Path
    duration: float
    width: int
    height: int
    elapsed: float
    #: The ffmpeg argument list that was run (one element per invocation: always one).
    command: list[str]

    def output_files(self) -> list[tuple[Path, str]]:
        """The rendered file, with its kind."""
        return [(self.output, "video")]


def _out_duration(plan: RenderPlan, info: MediaInfo) -> float:
    start = plan.trim.start if plan.trim else 0.0
    end = plan.trim.end if plan.trim and plan.trim.end is not None else info.duration
    end = min(end, info.duration) if info.duration else end
    if start >= end and info.duration:
        raise InvalidParameterError(f"The cut starts at {start:.2f}s but the video is only {info.duration:.2f}s long.")
    return max(0.0, end - start)


def build_args(
    plan: RenderPlan, info: MediaInfo, work_dir: Path, output: Path
) -> tuple[list[str], tuple[int, int], float]:
    """ffmpeg arguments (without executable and progress options), output size, output duration."""
    if not info.has_video:
        raise NoVideoStreamError(f"{plan.input.name} has no video to render (it is audio only).")
    size = info.display_size
    if size is None:
        raise NoVideoStreamError(f"{plan.input.name} has a video stream without a picture size.")
    src_w, src_h = size
    rf = plan.reframe
    width, height = target_size(
        src_w, src_h, rf.aspect if rf else None, rf.strategy if rf else "crop", rf.height if rf else None
    )
    duration = _out_duration(plan, info)
    still = output.suffix.lower() in IMAGE_SUFFIXES
    enc = plan.encoder
    encoder = encoders.resolve_encoder(enc.codec) if not still else None

    args: list[str] = []
    if enc.threads:
        args += ["-threads", str(enc.threads)]
    if encoder:
        args += encoders.hw_input_args(encoder)
    start = plan.trim.start if plan.trim else 0.0
    if start > 0:
        args += ["-ss", f"{start:.3f}"]
    if plan.trim and plan.trim.end is not None and not still:
        args += ["-t", f"{duration:.3f}"]
    args += ["-i", str(plan.input)]

    chains: list[str] = []
    label = "0:v:0"
    if rf is not None and rf.aspect is not None and rf.face_plan is not None and not still:
        from ..reframe.graph import face_chains

        chains += face_chains(label, "framed", rf.face_plan, width, height)
        label = "framed"
    elif rf is not None and rf.aspect is not None:
        chains += reframe_chain(label, "framed", width, height, rf.strategy, rf.focus_x)
        label = "framed"
    tail = [f"scale={width}:{height}"] if (rf is None or rf.aspect is None) else []
    if plan.subtitles is not None:
        off = plan.subtitle_offset
        end = plan.trim.end + off if plan.trim and plan.trim.end is not None else None
        tail.append(
            subtitle_filter(plan.subtitles, start=start + off, end=end, width=width, height=height, work_dir=work_dir)
        )
    tail.append("setsar=1")
    if still:
        tail.append("format=rgb24" if output.suffix.lower() == ".png" else "format=yuvj420p")
    else:
        tail.append("format=yuv420p")
        assert encoder is not None  # resolved for every output that is not a still
        upload = encoders.upload_filter(encoder)
        if upload:
            tail.append(upload)
    chains.append(f"[{label}]{','.join(tail)}[vout]")
    graph = ";".join(chains)
    if len(graph) > LONG_GRAPH:
        # A face-following crop over a long video is a long expression; Windows caps a command
        # line at 32 767 characters, so the graph goes through a file (ffmpeg's "-/option file").
        script = work_dir / "graph.txt"
        script.write_text(graph, encoding="utf-8")
        args += ["-/filter_complex", str(script), "-map", "[vout]"]
    else:
        args += ["-filter_complex", graph, "-map", "[vout]"]

    if still:
        args += ["-frames:v", "1", "-update", "1"]
        if output.suffix.lower() == ".png":
            args += ["-compression_level", "1"]  # a preview is shown once: speed beats size
        return args, (width, height), 0.0

    assert encoder is not None
    args += encoders.video_codec_args(encoder, enc.crf, enc.preset)
    if encoder == "libx264":
        args += ["-profile:v", "high"]
    if info.audio is not None:
        args += ["-map", "0:a:0"]
        copyable = info.audio.codec in _COPYABLE_AUDIO.get(output.suffix.lower(), set())
        # A cut re-encodes the audio: copied packets start on their own boundaries (~23 ms
        # for AAC), which would put the sound slightly off the re-encoded picture.
        if enc.audio == "copy" or (enc.audio == "auto" and copyable and plan.trim is None):
            args += ["-c:a", "copy"]
        else:
            args += ["-c:a", "aac", "-b:a", enc.audio_bitrate]
    if output.suffix.lower() in (".mp4", ".m4v", ".mov"):
        args += ["-movflags", "+faststart"]
    args += ["-map_metadata", "-1", "-map_chapters", "-1"]
    return args, (width, height), duration


def execute(
    plan: RenderPlan,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
    stage: str = "Rendering",
) -> RenderResult:
    """Run ``plan`` as ONE ffmpeg invocation, writing ``plan.output`` atomically.

    A hardware encoder can pass the start-up probe and still fail on a real render (a
    driver that cannot take this size, a GPU busy with a game): the render then runs
    again with libx264 and that encoder is not used again in this process.
    """
    token = as_token(cancel)
    check_input_file(plan.input)
    info = probe(plan.input)
    token.raise_if_cancelled()
    started = time.monotonic()
    plan = with_face_plan(plan, info, progress=progress, cancel=token)
    try:
        command, (width, height) = _run(plan, info, progress, token, log, stage)
    except FFmpegError as exc:
        encoder = encoders.resolve_encoder(plan.encoder.codec)
        if encoder == encoders.SOFTWARE_ENCODER or plan.output.suffix.lower() in IMAGE_SUFFIXES:
            raise
        encoders.mark_broken(encoder, str(exc))
        if log:
            log(f"{encoder} failed ({exc}); rendering again with {encoders.SOFTWARE_ENCODER}")
        software = plan.model_copy(
            update={"encoder": plan.encoder.model_copy(update={"codec": encoders.SOFTWARE_ENCODER})}
        )
        command, (width, height) = _run(software, info, progress, token, log, stage)
    if plan.output.suffix.lower() in IMAGE_SUFFIXES:
        out_duration = 0.0
    else:
        out_duration = probe(plan.output).duration
    return RenderResult(
        output=plan.output,
        duration=out_duration,
        width=width,
        height=height,
        elapsed=time.monotonic() - started,
        command=command,
    )


def with_face_plan(
    plan: RenderPlan, info: MediaInfo, *, progress: ProgressFn | None = None, cancel: CancelToken | None = None
) -> RenderPlan:
    """``plan`` with its face plan computed when it asks to follow faces and has none yet.

    The analysis covers exactly the cut the render writes, on the render's timeline.
    """
    rf = plan.reframe
    if rf is None or not rf.follow_faces or rf.face_plan is not None or rf.aspect is None:
        return plan
    if plan.output.suffix.lower() in IMAGE_SUFFIXES or not info.has_video or info.display_size is None:
        return plan
    from ..reframe import follow_faces

    start = plan.trim.start if plan.trim else 0.0
    end = plan.trim.end if plan.trim else None
    width, height = target_size(*info.display_size, rf.aspect, "crop", rf.height)
    face_plan = follow_faces(
        plan.input,
        [(start, end)],
        out_w=width,
        out_h=height,
        options=rf.follow,
        focus_x=rf.focus_x,
        progress=progress,
        cancel=cancel,
    )
    return plan.model_copy(update={"reframe": rf.model_copy(update={"face_plan": face_plan, "strategy": "crop"})})


def _run(
    plan: RenderPlan, info: MediaInfo, progress, token: CancelToken, log, stage: str
) -> tuple[list[str], tuple[int, int]]:
    work_dir = new_work_dir("render-")
    try:
        with atomic_output(plan.output) as tmp:
            args, size, duration = build_args(plan, info, work_dir, tmp)
            result = run_ffmpeg(
                [*args, str(tmp)],
                duration=duration or None,
                progress=progress,
                cancel=token,
                log=log,
                stage=stage,
            )
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return [a if a != str(tmp) else str(plan.output) for a in result.args], size
