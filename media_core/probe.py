"""Probe media files with PyAV and turn every way a file can be unusable into a clear error."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import av
from pydantic import BaseModel

from .errors import CorruptMediaError, InputNotFoundError, NotMediaError, ReframeError


class StreamInfo(BaseModel):
    index: int
    kind: str  # "video" | "audio" | "subtitle" | "data"
    codec: str
    duration: float | None = None
    # video
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    rotation: int = 0
    # audio
    sample_rate: int | None = None
    channels: int | None = None
    language: str | None = None


class MediaInfo(BaseModel):
    path: str
    container: str
    duration: float
    size_bytes: int
    streams: list[StreamInfo]

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def display_size(self) -> tuple[int, int] | None:
        """Width and height as shown, i.e. after applying the rotation a phone recorded."""
        v = self.video
        if v is None or v.width is None or v.height is None:
            return None
        if v.rotation % 180 == 90:
            return v.height, v.width
        return v.width, v.height


def stream_duration(stream) -> float | None:
    """Length of one stream in seconds from the container's per-stream facts: the stream's own
    duration (MP4, MOV, Ogg) or Matroska's ``DURATION`` tag (MKV/WebM store no per-stream
    duration field, and ffmpeg-made files carry the tag). ``None`` when the container has neither."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = next((v for k, v in (stream.metadata or {}).items() if k.upper() == "DURATION"), None)
    if not tag:
        return None
    try:
        hours, minutes, seconds = str(tag).strip().split(":")
        value = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None
    return value if value > 0 else None


def check_input_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"File not found: {path}")
    if path.is_dir():
        raise NotMediaError(f"This is a folder, not a media file: {path}")
    if path.stat().st_size == 0:
        raise NotMediaError(f"The file is empty (0 bytes): {path.name}")
    return path


def open_container(path: str | os.PathLike) -> av.container.InputContainer:
    """Open ``path`` with PyAV, mapping its failures onto Reframe errors."""
    path = check_input_file(path)
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        raise NotMediaError(
            f"{path.name} is not a video or audio file Reframe can read (or it is badly damaged).",
            detail=str(exc),
        ) from exc
    except av.error.FileNotFoundError as exc:
        raise InputNotFoundError(f"File not found: {path}") from exc
    except av.error.PermissionError as exc:
        raise ReframeError(f"Reframe is not allowed to read {path}.", detail=str(exc)) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise CorruptMediaError(f"{path.name} could not be opened: {exc}", detail=str(exc)) from exc


def _rotation(container: av.container.InputContainer, stream) -> int:
    """Display rotation in degrees (0/90/180/270).

    Modern FFmpeg keeps rotation in the display matrix side data, which PyAV only
    exposes on decoded frames, so one frame is decoded; the legacy ``rotate`` tag
    is honoured first because it costs nothing.
    """
    tag = (stream.metadata or {}).get("rotate")
    if tag is not None:
        try:
            return int(tag) % 360
        except ValueError:
            return 0
    try:
        for frame in container.decode(stream):
            return round(getattr(frame, "rotation", 0) or 0) % 360
    except (av.error.FFmpegError, ValueError):
        return 0
    return 0


def probe(path: str | os.PathLike) -> MediaInfo:
    path = check_input_file(path)
    with open_container(path) as container:
        streams: list[StreamInfo] = []
        for s in container.streams:
            kind = s.type if s.type in ("video", "audio", "subtitle") else "data"
            codec = (
                s.codec_context.name
                if s.codec_context is not None
                else (s.codec_name if hasattr(s, "codec_name") else "unknown")
            )
            duration = stream_duration(s)
            info = StreamInfo(
                index=s.index,
                kind=kind,
                codec=codec or "unknown",
                duration=duration,
                language=(s.metadata or {}).get("language"),
            )
            if kind == "video" and s.codec_context is not None:
                cc: Any = s.codec_context  # a VideoCodecContext; PyAV's stubs type it as the base class
                info.width = cc.width or None
                info.height = cc.height or None
                rate = s.average_rate or s.guessed_rate or s.base_rate
                info.fps = float(rate) if rate else None
            elif kind == "audio" and s.codec_context is not None:  # None: no decoder for it
                cc = s.codec_context  # an AudioCodecContext, as above
                info.sample_rate = cc.sample_rate or None
                info.channels = cc.channels if hasattr(cc, "channels") else None
            streams.append(info)
        duration = float(container.duration / av.time_base) if container.duration else 0.0
        if not duration:
            duration = max((s.duration or 0.0) for s in streams) if streams else 0.0
        if not streams:
            raise NotMediaError(f"{path.name} has no audio or video streams.")
        video = next((st for st in container.streams if st.type == "video"), None)
        if video is not None:
            next(i for i in streams if i.index == video.index).rotation = _rotation(container, video)
        return MediaInfo(
            path=str(path),
            container=container.format.name,
            duration=duration,
            size_bytes=path.stat().st_size,
            streams=streams,
        )
