"""Face analysis of a video (or of ranges of it played back to back): the engine's front door.

One PyAV pass decodes the ranges at low resolution; every frame feeds the shot-change
detector, a sparse sample feeds the face detector and the tracker. The result is typed
(:class:`FaceAnalysis`) and independent of the output size, so a preview, a render and a
re-render with another layout reuse it.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..errors import NoVideoStreamError
from ..probe import check_input_file, probe
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .detect import FaceDetector, default_detector
from .models import Detection, FaceAnalysis, FacePlan, FollowOptions
from .planner import plan_faces
from .resize import area_resize
from .sample import iter_frames
from .scenes import CutDetector
from .track import Tracker

#: Height of the frames the detector sees: faces worth following are at least ~20 px tall there.
DETECT_HEIGHT = 360
_MOUTH = (16, 8)


def analyze(
    video: str | Path,
    ranges: list[tuple[float, float | None]] | None = None,
    *,
    options: FollowOptions | None = None,
    detector: FaceDetector | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> FaceAnalysis:
    """Faces, tracks and shot changes of ``ranges`` (source seconds; default: the whole video)."""
    options = options or FollowOptions()
    token = as_token(cancel)
    report = as_progress(progress)
    path = check_input_file(video)
    info = probe(path)
    if not info.has_video or info.display_size is None or info.video is None:
        raise NoVideoStreamError(f"{path.name} has no video to follow faces in.")
    src_w, src_h = info.display_size
    ranges = ranges or [(0.0, None)]
    total = sum(((e if e is not None else info.duration) - s) for s, e in ranges) or 1.0
    detector = detector or default_detector()
    started = time.monotonic()
    cuts = CutDetector()
    tracker = Tracker()
    sample_times: list[float] = []
    mouth: dict[int, list[float]] = {}
    last_mouth: dict[int, np.ndarray] = {}
    prev_range = 0
    t_end = 0.0
    for frame in iter_frames(
        path,
        ranges,
        sample_fps=options.sample_fps,
        det_height=DETECT_HEIGHT,
        rotation=info.video.rotation % 360,
        cancel=token,
        rgb_height=detector.frame_height,
    ):
        t_end = frame.t
        if cuts.push(frame.t, frame.tiny, forced=frame.range_index != prev_range):
            tracker.new_scene()
        prev_range = frame.range_index
        if frame.gray is None or frame.rgb is None:
            continue
        sample_times.append(frame.t)
        scale = src_h / frame.rgb.shape[0]
        found = [
            Detection(t=frame.t, x=b.x * scale, y=b.y * scale, w=b.w * scale, h=b.h * scale, score=b.score)
            for b in detector.detect(frame.rgb)
        ]
        for track_id, det in tracker.push(frame.t, found):
            patch = _mouth_patch(frame.gray, det, src_h / frame.gray.shape[0])
            prev = last_mouth.get(track_id)
            mouth.setdefault(track_id, []).append(float(np.abs(patch - prev).mean()) if prev is not None else 0.0)
            last_mouth[track_id] = patch
        report(min(1.0, frame.t / total), "Finding faces")
    if not sample_times:
        raise NoVideoStreamError(f"{path.name}: no video frame could be decoded in the requested range.")
    fps = info.video.fps or 25.0
    duration = max(total if info.duration else 0.0, t_end + 1.0 / fps)
    tracks = tracker.finish()
    return FaceAnalysis(
        width=src_w,
        height=src_h,
        duration=duration,
        sample_times=sample_times,
        cuts=cuts.cuts,
        tracks=tracks,
        mouth_motion={tr.id: mouth.get(tr.id, []) for tr in tracks},
        detector=detector.name,
        elapsed=time.monotonic() - started,
    )


def _mouth_patch(gray: np.ndarray, det: Detection, scale: float) -> np.ndarray:
    """The lower part of the face box, downsized: its change between samples is mouth motion."""
    x0, x1 = int((det.x + det.w * 0.25) / scale), int((det.x + det.w * 0.75) / scale)
    y0, y1 = int((det.y + det.h * 0.65) / scale), int((det.y + det.h * 0.95) / scale)
    crop = gray[max(0, y0) : max(y0 + 1, y1), max(0, x0) : max(x0 + 1, x1)]
    patch = area_resize(crop, *_MOUTH)
    # Brightness changes are not speech: compare shapes, not levels.
    return patch - patch.mean()


def follow_faces(
    video: str | Path,
    ranges: list[tuple[float, float | None]] | None,
    *,
    out_w: int,
    out_h: int,
    options: FollowOptions | None = None,
    focus_x: float = 0.5,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> FacePlan:
    """Analyse and plan in one call: what a render with "follow faces" needs."""
    options = options or FollowOptions()
    analysis = analyze(video, ranges, options=options, progress=progress, cancel=cancel)
    return plan_faces(analysis, out_w=out_w, out_h=out_h, options=options, focus_x=focus_x)
