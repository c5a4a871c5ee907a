"""Link per-frame face detections into tracks, one shot at a time.

Greedy nearest-centre matching is enough here: samples are a quarter second apart, faces
move little between them, and a shot change starts every track afresh. Tracks seen in
too few of their shot's samples are dropped: that is what removes the cascade's
occasional false positives on textures.
"""

from __future__ import annotations

from .models import Detection, FaceTrack

#: A face may move this many of its own widths between two samples and still be the same face.
MAX_JUMP = 0.9
#: A track that has not been seen for this long is closed.
MAX_GAP = 1.5
#: Tracks found in fewer of their shot's samples than this are not faces worth following.
MIN_PERSISTENCE = 0.3


class Tracker:
    def __init__(self) -> None:
        self.tracks: list[FaceTrack] = []
        self._open: list[FaceTrack] = []
        self._scene = 0
        self._scene_samples: dict[int, int] = {0: 0}

    def new_scene(self) -> None:
        self._open = []
        self._scene += 1
        self._scene_samples[self._scene] = 0

    def push(self, t: float, detections: list[Detection]) -> list[tuple[int, Detection]]:
        """Add one sample's detections; returns (track id, detection) for each."""
        self._scene_samples[self._scene] += 1
        self._open = [tr for tr in self._open if t - tr.end <= MAX_GAP]
        pairs = sorted(
            (
                (abs(d.cx - tr.detections[-1].cx) + abs(d.cy - tr.detections[-1].cy), i, j)
                for i, d in enumerate(detections)
                for j, tr in enumerate(self._open)
            ),
        )
        used_d: set[int] = set()
        used_t: set[int] = set()
        out: list[tuple[int, Detection]] = []
        for dist, i, j in pairs:
            if i in used_d or j in used_t:
                continue
            last = self._open[j].detections[-1]
            size = max(last.w, detections[i].w)
            ratio = detections[i].w / last.w
            if dist > MAX_JUMP * size or not 0.6 <= ratio <= 1.6:
                continue
            used_d.add(i)
            used_t.add(j)
            self._open[j].detections.append(detections[i])
            out.append((self._open[j].id, detections[i]))
        for i, d in enumerate(detections):
            if i not in used_d:
                track = FaceTrack(id=len(self.tracks), scene=self._scene, detections=[d])
                self.tracks.append(track)
                self._open.append(track)
                out.append((track.id, d))
        return out

    def finish(self) -> list[FaceTrack]:
        """The persistent tracks, with their persistence filled in."""
        kept = []
        for tr in self.tracks:
            samples = max(1, self._scene_samples.get(tr.scene, 1))
            tr.persistence = min(1.0, len(tr.detections) / samples)
            if tr.persistence >= MIN_PERSISTENCE and len(tr.detections) >= min(2, samples):
                kept.append(tr)
        return kept
