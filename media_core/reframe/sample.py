"""Decode the frames face-following looks at, with PyAV, at low resolution.

Every frame is decoded anyway (a video cannot be sparsely decoded between keyframes),
so every frame also gives a tiny grayscale thumbnail for shot-change detection, which
makes cuts frame-accurate; only a sparse sample is scaled for the face detector (RGB, the
colours the detector was trained on, scaled by FFmpeg's own area filter while converting).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from ..errors import CorruptMediaError, NoVideoStreamError
from ..progress import CancelToken
from .resize import area_resize_u8

#: Thumbnail size for shot-change detection: enough to see a cut, cheap to compare.
TINY = (64, 36)


@dataclass
class Frame:
    #: Output-timeline time.
    t: float
    #: Which input range the frame came from (a join between ranges is always a cut).
    range_index: int
    tiny: np.ndarray
    #: Grayscale at the analysis height (mouth motion), only on sampled frames.
    gray: np.ndarray | None
    #: RGB at the detector's height, only on sampled frames.
    rgb: np.ndarray | None = None


def _rotate(img: np.ndarray, rotation: int) -> np.ndarray:
    # Same turn as the ffmpeg CLI's autorotate, so boxes line up with the filtergraph's frame.
    if rotation == 90:
        return np.ascontiguousarray(np.rot90(img, k=-1))
    if rotation == 270:
        return np.ascontiguousarray(np.rot90(img, k=1))
    if rotation == 180:
        return np.ascontiguousarray(img[::-1, ::-1])
    return img


#: Pixel formats whose first plane is 8-bit luma: read directly, no colour conversion needed.
_LUMA_FIRST = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"}


def _luma(frame: av.VideoFrame) -> np.ndarray | None:
    """The frame's luma plane as a view (no copy), or None for formats that need converting."""
    if frame.format.name not in _LUMA_FIRST:
        return None
    plane = frame.planes[0]
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : frame.width]


def _shrink(frame: av.VideoFrame, luma: np.ndarray | None, width: int, height: int) -> np.ndarray:
    if luma is None:
        return frame.to_ndarray(format="gray", width=width, height=height, interpolation="AREA")
    # Decimate first: area-averaging a 1080p plane for every frame would cost more than decoding it.
    step = max(1, min(luma.shape[0] // (height * 2), luma.shape[1] // (width * 2)))
    return area_resize_u8(luma[::step, ::step], width, height)


def _size(src_w: int, src_h: int, height: int, rotation: int) -> tuple[int, int]:
    """Decoded (unrotated) width and height that become ``height`` pixels tall once rotated."""
    out_h = min(height, src_h)
    out_w = max(2, round(src_w * out_h / src_h / 2) * 2)
    return (out_h, out_w) if rotation in (90, 270) else (out_w, out_h)


def _decode_from(container, stream, start: float, origin: float) -> Iterator[av.VideoFrame]:
    """Decoded frames from the keyframe before ``start`` on, or from the beginning when the
    container cannot seek there (MPEG-TS and other unindexed streams may land past it or nowhere)."""
    if start > 0 and stream.time_base is not None:
        container.seek(int((start + origin) / stream.time_base), stream=stream, backward=True)
        frames = container.decode(stream)
        first = next(frames, None)
        if first is not None and first.time is not None and first.time - origin <= start + 1e-3:
            yield first
            yield from frames
            return
        container.seek(0)
    yield from container.decode(stream)


def iter_frames(
    path: Path,
    ranges: list[tuple[float, float | None]],
    *,
    sample_fps: float,
    det_height: int,
    rotation: int,
    cancel: CancelToken,
    rgb_height: int | None = None,
) -> Iterator[Frame]:
    """Frames of ``ranges`` (source seconds) played back to back, timed on the output timeline.

    Sampled frames carry ``gray`` ``det_height`` pixels tall and ``rgb`` ``rgb_height`` tall
    (default: ``det_height``), both as displayed (rotation applied)."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise CorruptMediaError(f"{path.name} cannot be read for face analysis: {exc}") from exc
    with container:
        if not container.streams.video:
            raise NoVideoStreamError(f"{path.name} has no video to analyse.")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        src_w, src_h = stream.codec_context.width, stream.codec_context.height
        if rotation in (90, 270):
            src_w, src_h = src_h, src_w
        det_w, det_h = _size(src_w, src_h, det_height, rotation)
        rgb_w, rgb_h = _size(src_w, src_h, rgb_height or det_height, rotation)
        tiny_w, tiny_h = TINY
        if rotation in (90, 270):
            tiny_w, tiny_h = tiny_h, tiny_w
        step = 1.0 / sample_fps
        # The ffmpeg CLI counts time from the container's start (an MPEG-TS may start at 1.4 s),
        # both for -ss and for the filters' t; so do we, or the crop would run late.
        origin = container.start_time / 1_000_000 if container.start_time else 0.0
        offset = 0.0
        for index, (start, end) in enumerate(ranges):
            next_sample = start
            last = start
            try:
                for frame in _decode_from(container, stream, start, origin):
                    cancel.raise_if_cancelled()
                    t = frame.time - origin if frame.time is not None else last
                    if t < start - 1e-6:
                        continue
                    if end is not None and t >= end - 1e-6:
                        break
                    last = t
                    luma = _luma(frame)
                    tiny = _rotate(_shrink(frame, luma, tiny_w, tiny_h), rotation)
                    gray = rgb = None
                    if t >= next_sample - 1e-6:
                        # FFmpeg's area scaler in C: numpy would pay for every source pixel here.
                        gray = _rotate(_shrink(frame, None, det_w, det_h), rotation)
                        rgb = frame.to_ndarray(format="rgb24", width=rgb_w, height=rgb_h, interpolation="AREA")
                        rgb = _rotate(rgb, rotation)
                        next_sample += step * (1 + int((t - next_sample) // step))
                    yield Frame(offset + t - start, index, tiny, gray, rgb)
            except av.error.FFmpegError as exc:
                raise CorruptMediaError(f"{path.name} could not be decoded for face analysis: {exc}") from exc
            offset += (end if end is not None else last) - start
