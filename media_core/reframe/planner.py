"""From a face analysis to a render plan: per shot a layout, per window a smooth path."""

from __future__ import annotations

import itertools

from .layout import Window, choose, single_window, split_window
from .models import CropPath, FaceAnalysis, FacePlan, FaceTrack, FollowOptions, Layout, Segment
from .path import smooth_shot
from .subject import hinted_track, main_track, position, speaker_tracks


def shots(analysis: FaceAnalysis) -> list[tuple[float, float]]:
    edges = [0.0, *[c for c in analysis.cuts if 0 < c < analysis.duration], analysis.duration]
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def plan_faces(
    analysis: FaceAnalysis, *, out_w: int, out_h: int, options: FollowOptions, focus_x: float = 0.5
) -> FacePlan:
    src_w, src_h = analysis.width, analysis.height
    hints = options.speaker_hints
    mapping = speaker_tracks(analysis, hints) if hints else {}
    parts: list[Segment] = []
    for index, (start, end) in enumerate(shots(analysis)):
        tracks = [tr for tr in analysis.tracks if tr.scene == index]
        layout, faces = choose(
            tracks,
            src_w=src_w,
            src_h=src_h,
            out_w=out_w,
            out_h=out_h,
            options=options,
            has_speaker_hints=bool(hints),
        )
        times = [t for t in analysis.sample_times if start <= t < end]
        paths: list[CropPath] = []
        if layout == "single":
            window = single_window(src_w, src_h, out_w, out_h)
            if len(faces) == 2:
                targets = [_midpoint(faces, t) for t in times]
            else:
                targets = [_subject_x(t, tracks, faces[0], hints, mapping, src_w) for t in times]
            paths.append(_path(start, end, times, targets, window, options, src_w * focus_x))
        elif layout == "split":
            window = split_window(faces, src_w, src_h, out_w, out_h)
            for face in faces:
                targets = [position(face, t) for t in times]
                paths.append(_path(start, end, times, targets, window, options, face.mean_cx))
        parts.append(Segment(start=start, end=end, layout=layout, paths=paths))
    return FacePlan(
        src_width=src_w, src_height=src_h, duration=analysis.duration, segments=_merge(parts), focus_x=focus_x
    )


def _subject_x(t, tracks: list[FaceTrack], main: FaceTrack, hints, mapping, width: int) -> float | None:
    speaker = hinted_track(t, tracks, hints, mapping, width) if hints else None
    chosen = speaker or main
    x = position(chosen, t)
    if x is None and speaker is not None:
        # The speaker's face was missed at this sample: keep framing them where they were.
        return None
    return x


def _midpoint(pair: list[FaceTrack], t: float) -> float | None:
    a, b = position(pair[0], t), position(pair[1], t)
    if a is None or b is None:
        return None
    return (a + b) / 2


def _path(start, end, times, targets, window: Window, options: FollowOptions, fallback: float) -> CropPath:
    ts, xs = smooth_shot(
        start,
        end,
        times,
        targets,
        crop_width=window.width,
        lo=window.lo,
        hi=window.hi,
        fallback=fallback,
        dead_zone=options.dead_zone,
        max_speed=options.max_speed,
        max_accel=options.max_accel,
    )
    return CropPath(width=window.width, height=window.height, cy=window.cy, times=ts, xs=xs)


def _merge(parts: list[Segment]) -> list[Segment]:
    """Join neighbouring shots that render with the same layout and window size into one segment.

    The render then has fewer branches; within a segment a shot change is a jump in the path.
    """
    merged: list[Segment] = []
    for seg in parts:
        prev = merged[-1] if merged else None
        if prev is not None and prev.layout == seg.layout and _same_windows(prev, seg):
            paths = [
                CropPath(width=a.width, height=a.height, cy=a.cy, times=[*a.times, *b.times], xs=[*a.xs, *b.xs])
                for a, b in zip(prev.paths, seg.paths, strict=True)
            ]
            merged[-1] = Segment(start=prev.start, end=seg.end, layout=prev.layout, paths=paths)
        else:
            merged.append(seg)
    return merged


def _same_windows(a: Segment, b: Segment) -> bool:
    if len(a.paths) != len(b.paths):
        return False
    return all(
        p.width == q.width and p.height == q.height and p.cy == q.cy for p, q in zip(a.paths, b.paths, strict=True)
    )


def layouts(plan: FacePlan) -> list[Layout]:
    return [seg.layout for seg in plan.segments]


__all__ = ["layouts", "main_track", "plan_faces", "shots"]
