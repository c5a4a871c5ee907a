"""Typed data of face-following reframe: detections, tracks, the analysis and the render plan.

All positions are in *source display* pixels (rotation applied, as the ffmpeg CLI shows
the frame to the filtergraph); all times are on the *output* timeline (0 = first frame
the render writes), so a plan made for a cut or for several concatenated ranges lines
up with the filtergraph's ``t`` directly.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: What the user may ask for; ``auto`` picks per scene.
LayoutChoice = Literal["auto", "single", "split", "fit"]
#: What a scene is rendered with; ``center`` is today's fixed crop at the centre of interest.
Layout = Literal["single", "split", "fit", "center"]


class Detection(BaseModel):
    t: float
    x: float
    y: float
    w: float
    h: float
    score: float = 1.0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


class FaceTrack(BaseModel):
    id: int
    scene: int
    detections: list[Detection]
    #: Share of the scene's sampled frames in which this face was found (0..1).
    persistence: float = 0.0

    @property
    def start(self) -> float:
        return self.detections[0].t

    @property
    def end(self) -> float:
        return self.detections[-1].t

    @property
    def mean_cx(self) -> float:
        return sum(d.cx for d in self.detections) / len(self.detections)

    @property
    def mean_h(self) -> float:
        return sum(d.h for d in self.detections) / len(self.detections)


class SpeakerHint(BaseModel):
    """Who speaks when, from diarization or the user (output timeline).

    ``x`` (0 = left edge, 1 = right edge of the source) says where the speaker sits when it
    is known; without it a speaker label is matched to the face whose mouth moves most
    during that speaker's turns.
    """

    start: float = Field(ge=0)
    end: float = Field(ge=0)
    speaker: str | None = None
    x: float | None = Field(None, ge=0, le=1)


class FollowOptions(BaseModel):
    layout: LayoutChoice = "auto"
    #: Allow the two-faces-stacked layout when two people share a shot.
    split_speakers: bool = True
    #: Sampled frames per second that go through the face detector.
    sample_fps: float = Field(4.0, gt=0, le=30)
    #: The crop does not move while the subject stays this close to its centre (share of crop width).
    dead_zone: float = Field(0.08, ge=0, le=0.5)
    #: Crop widths per second.
    max_speed: float = Field(0.8, gt=0)
    #: Crop widths per second squared.
    max_accel: float = Field(1.5, gt=0)
    speaker_hints: list[SpeakerHint] = Field(default_factory=list)


class FaceAnalysis(BaseModel):
    width: int
    height: int
    duration: float
    sample_times: list[float]
    #: Output times where a new shot starts (hard cuts, and the joins between ranges).
    cuts: list[float]
    tracks: list[FaceTrack]
    #: Mouth-region motion per track id, one value per sample time of the track (for speaker matching).
    mouth_motion: dict[int, list[float]] = Field(default_factory=dict)
    detector: str = ""
    elapsed: float = 0.0


class CropPath(BaseModel):
    """A crop window whose centre x moves piecewise-linearly; equal times mark a hard cut."""

    width: float
    height: float
    #: Centre y of the window (fixed while the path runs).
    cy: float
    times: list[float]
    xs: list[float]

    def x_at(self, t: float) -> float:
        times, xs = self.times, self.xs
        if t <= times[0]:
            return xs[0]
        for i in range(1, len(times)):
            if t < times[i]:
                t0, t1 = times[i - 1], times[i]
                if t1 <= t0:
                    return xs[i]
                return xs[i - 1] + (xs[i] - xs[i - 1]) * (t - t0) / (t1 - t0)
        return xs[-1]


class Segment(BaseModel):
    start: float
    end: float
    layout: Layout
    #: single: one path; split: top then bottom; fit / center: none.
    paths: list[CropPath] = Field(default_factory=list)


class FacePlan(BaseModel):
    src_width: int
    src_height: int
    duration: float
    segments: list[Segment]
    #: Centre of interest used where no face is found (0..1, today's fixed crop).
    focus_x: float = 0.5

    def layout_at(self, t: float) -> Segment:
        for seg in self.segments:
            if t < seg.end:
                return seg
        return self.segments[-1]

    def crop_boxes_at(self, t: float, out_aspect: float) -> list[tuple[float, float, float, float]]:
        """Source rectangles (x, y, w, h) shown at ``t``: what a preview draws over the source."""
        seg = self.layout_at(t)
        if seg.layout in ("single", "split"):
            boxes = []
            for p in seg.paths:
                cx = p.x_at(t)
                boxes.append((cx - p.width / 2, p.cy - p.height / 2, p.width, p.height))
            return boxes
        if seg.layout == "fit":
            return [(0.0, 0.0, float(self.src_width), float(self.src_height))]
        w = min(self.src_width, self.src_height * out_aspect)
        return [((self.src_width - w) * self.focus_x, 0.0, w, float(self.src_height))]


def hints_on_output(hints: list[SpeakerHint], ranges: list[tuple[float, float]]) -> list[SpeakerHint]:
    """Speaker turns on the source timeline, moved onto the timeline of ``ranges`` played back to back."""
    out: list[SpeakerHint] = []
    offset = 0.0
    for start, end in ranges:
        for h in hints:
            s, e = max(h.start, start), min(h.end, end)
            if e > s:
                out.append(h.model_copy(update={"start": offset + s - start, "end": offset + e - start}))
        offset += end - start
    return out
