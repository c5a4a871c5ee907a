"""Whom to follow: the active speaker when speaker turns are known, else the main face.

The main face of a shot is the largest, most central, most persistent one. A speaker
label is tied to a face by mouth motion: the face whose mouth region moves more during
that speaker's turns than outside them.
"""

from __future__ import annotations

import math

from .models import FaceAnalysis, FaceTrack, SpeakerHint

#: Turns shorter than this do not move the camera (a "yeah" from the other side).
MIN_TURN = 1.0
#: A face counts as seen at a sample if detected this close to it (seconds).
NEAR = 0.3


def score(track: FaceTrack, width: int, height: int) -> float:
    size = min(1.0, track.mean_h / (0.5 * height))
    centrality = 1.0 - min(1.0, abs(track.mean_cx / width - 0.5) * 2)
    return track.persistence * math.sqrt(size) * (0.5 + 0.5 * centrality)


def main_track(tracks: list[FaceTrack], width: int, height: int) -> FaceTrack | None:
    return max(tracks, key=lambda tr: score(tr, width, height), default=None)


def position(track: FaceTrack, t: float) -> float | None:
    best = min(track.detections, key=lambda d: abs(d.t - t))
    return best.cx if abs(best.t - t) <= NEAR else None


def speaker_tracks(analysis: FaceAnalysis, hints: list[SpeakerHint]) -> dict[str, int]:
    """Speaker label -> track id, by mouth motion inside versus outside that speaker's turns."""
    labels = sorted({h.speaker for h in hints if h.speaker is not None})
    scores: list[tuple[float, str, int]] = []
    for track in analysis.tracks:
        motion = analysis.mouth_motion.get(track.id, [])
        samples = [(d.t, m) for d, m in zip(track.detections, motion, strict=False)]
        for label in labels:
            turns = [(h.start, h.end) for h in hints if h.speaker == label]
            inside = [m for t, m in samples if any(s <= t < e for s, e in turns)]
            outside = [m for t, m in samples if not any(s <= t < e for s, e in turns)]
            if inside and outside:
                scores.append((sum(inside) / len(inside) - sum(outside) / len(outside), label, track.id))
    mapping: dict[str, int] = {}
    for value, label, track_id in sorted(scores, reverse=True):
        if value > 0 and label not in mapping and track_id not in mapping.values():
            mapping[label] = track_id
    return mapping


def hinted_track(
    t: float, tracks: list[FaceTrack], hints: list[SpeakerHint], mapping: dict[str, int], width: int
) -> FaceTrack | None:
    """The face of the speaker talking at ``t``, if a hint says who and where."""
    for hint in hints:
        if not hint.start <= t < hint.end or hint.end - hint.start < MIN_TURN:
            continue
        if hint.x is not None:
            seen = [tr for tr in tracks if position(tr, t) is not None] or tracks
            where = hint.x * width
            return min(seen, key=lambda tr: abs(tr.mean_cx - where), default=None)
        if hint.speaker is not None and hint.speaker in mapping:
            return next((tr for tr in tracks if tr.id == mapping[hint.speaker]), None)
    return None
