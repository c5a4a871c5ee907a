"""Which layout a shot gets, and the crop windows of each layout.

- single: one 9:16 (or other aspect) window following the subject (or a pair of faces
  close enough to share it);
- split: two people too far apart for one window, each in a window of half the output
  height, stacked;
- fit: a wide shot (three or more people, or faces too small to crop to) shown whole
  over its own blurred copy;
- center: no face: today's fixed crop at the centre of interest.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import FaceTrack, FollowOptions, Layout
from .subject import main_track, score

#: Faces smaller than this share of the frame height make a wide shot.
WIDE_SHOT_FACE = 0.07
#: Two faces count as a pair (split or group) when the smaller one has this share of the larger one's size.
PAIR_RATIO = 0.5
#: A split window is this many face heights tall.
SPLIT_ZOOM = 3.2


@dataclass
class Window:
    width: float
    height: float
    cy: float
    lo: float
    hi: float


def single_window(src_w: int, src_h: int, out_w: int, out_h: int) -> Window:
    aspect = out_w / out_h
    w, h = src_h * aspect, float(src_h)
    if w > src_w:
        w, h = float(src_w), src_w / aspect
    w, h = _even(w), _even(h)
    return Window(w, h, src_h / 2, w / 2, src_w - w / 2)


def split_window(pair: list[FaceTrack], src_w: int, src_h: int, out_w: int, out_h: int) -> Window:
    aspect = out_w / (out_h / 2)
    face_h = max(tr.mean_h for tr in pair)
    h = min(float(src_h), SPLIT_ZOOM * face_h)
    w = h * aspect
    if w > src_w:
        w, h = float(src_w), src_w / aspect
    w, h = _even(w), _even(h)
    # The face sits a little above the window's centre, where a camera operator puts the eyes.
    face_cy = sum(d.cy for tr in pair for d in tr.detections) / sum(len(tr.detections) for tr in pair)
    cy = min(src_h - h / 2, max(h / 2, face_cy + 0.06 * h))
    return Window(w, h, cy, w / 2, src_w - w / 2)


def _even(v: float) -> float:
    return float(max(2, int(v) // 2 * 2))


def choose(
    tracks: list[FaceTrack],
    *,
    src_w: int,
    src_h: int,
    out_w: int,
    out_h: int,
    options: FollowOptions,
    has_speaker_hints: bool,
) -> tuple[Layout, list[FaceTrack]]:
    """The layout of one shot and the faces it frames (left to right for split)."""
    if options.layout == "fit":
        return "fit", []
    if not tracks:
        return "center", []
    ranked = sorted(tracks, key=lambda tr: score(tr, src_w, src_h), reverse=True)
    main = main_track(tracks, src_w, src_h)
    assert main is not None
    pair = sorted(ranked[:2], key=lambda tr: tr.mean_cx)
    crop_w = single_window(src_w, src_h, out_w, out_h).width
    is_pair = len(pair) == 2 and min(tr.mean_h for tr in pair) >= PAIR_RATIO * max(tr.mean_h for tr in pair)
    span = (pair[1].mean_cx + pair[1].mean_h / 2) - (pair[0].mean_cx - pair[0].mean_h / 2) if is_pair else 0.0
    if options.layout == "split":
        return ("split", pair) if len(pair) == 2 else ("single", [main])
    if options.layout == "single":
        return "single", ([*pair] if is_pair and span <= crop_w * 0.9 else [main])
    # auto
    if max(tr.mean_h for tr in tracks) < WIDE_SHOT_FACE * src_h:
        return "fit", []
    if is_pair and span <= crop_w * 0.9:
        return "single", pair  # both fit in one window: frame them together
    many = [tr for tr in ranked if tr.mean_h >= PAIR_RATIO * main.mean_h]
    if len(many) >= 3 and not has_speaker_hints:
        return "fit", []
    if is_pair and options.split_speakers:
        return "split", pair
    if is_pair and not has_speaker_hints:
        return "fit", []
    return "single", [main]
