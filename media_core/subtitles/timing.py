"""Timing fixes for existing subtitles: shift (all or some cues) and linear retiming.

Both return new lines (the inputs are not modified) and move the words inside each
cue along with it, so word highlighting stays in sync after a fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..errors import InvalidParameterError
from ..models import SubtitleLine


def _remap(line: SubtitleLine, fn: Callable[[float], float]) -> SubtitleLine:
    start = max(0.0, fn(line.start))
    end = max(start, fn(line.end))
    words = []
    for w in line.words:
        ws = max(0.0, fn(w.start))
        words.append(w.model_copy(update={"start": round(ws, 3), "end": round(max(ws, fn(w.end)), 3)}))
    return line.model_copy(update={"start": round(start, 3), "end": round(end, 3), "words": words})


def shift_lines(
    lines: list[SubtitleLine], offset_ms: int | float, indices: Iterable[int] | None = None
) -> list[SubtitleLine]:
    """Move cues by ``offset_ms`` milliseconds (negative = earlier), clamping at 0.

    ``indices`` limits the shift to those cue positions; the others are returned unchanged.
    """
    offset = float(offset_ms) / 1000.0
    chosen = None if indices is None else set(indices)
    if chosen is not None:
        bad = [i for i in chosen if not 0 <= i < len(lines)]
        if bad:
            raise InvalidParameterError(f"No subtitle line number {bad[0] + 1}: there are {len(lines)} lines.")
    return [
        _remap(line, lambda t: t + offset) if chosen is None or i in chosen else line.model_copy()
        for i, line in enumerate(lines)
    ]


def retime_lines(lines: list[SubtitleLine], scale: float = 1.0, offset_ms: int | float = 0) -> list[SubtitleLine]:
    """Linear retime ``t' = scale * t + offset``: fixes drift from a framerate mix-up.

    Example: subtitles timed for 25 fps played against a 23.976 fps video drift
    later and later; ``retime_lines(lines, scale=framerate_scale(25, 23.976))`` fixes it.
    """
    if not scale > 0:
        raise InvalidParameterError("The retime factor must be greater than zero.")
    offset = float(offset_ms) / 1000.0
    return [_remap(line, lambda t: scale * t + offset) for line in lines]


def framerate_scale(subtitle_fps: float, video_fps: float) -> float:
    """The ``scale`` that converts times made for ``subtitle_fps`` to a video at ``video_fps``."""
    if subtitle_fps <= 0 or video_fps <= 0:
        raise InvalidParameterError("Frame rates must be greater than zero.")
    return subtitle_fps / video_fps


def fit_two_points(old_a: float, new_a: float, old_b: float, new_b: float) -> tuple[float, float]:
    """``(scale, offset_ms)`` mapping two reference times onto where they should be (e.g. the first
    and last cue synced by hand); pass the result to :func:`retime_lines`."""
    if old_a == old_b:
        raise InvalidParameterError("The two reference cues must be at different times.")
    scale = (new_b - new_a) / (old_b - old_a)
    if scale <= 0:
        raise InvalidParameterError("The reference times are in the wrong order.")
    return scale, (new_a - scale * old_a) * 1000.0
