"""Face detectors behind one small interface.

The default is MediaPipe's BlazeFace (full range), converted to ONNX at build time and run
with onnxruntime (:mod:`.blazeface`). It replaced OpenCV's Haar cascades: on real street
footage it found a cyclist's turned face in 31 of 31 frames where the cascade found it in 1,
it costs about half the CPU per sampled frame, and it drops OpenCV (167 MB) from the app.
Another detector only has to implement :class:`FaceDetector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Box:
    """A face in the pixels of the frame given to the detector."""

    x: float
    y: float
    w: float
    h: float
    score: float = 1.0


class FaceDetector(Protocol):
    name: str
    #: Height of the frames the detector works best on; the analysis samples frames this tall.
    frame_height: int

    def detect(self, image: np.ndarray) -> list[Box]:
        """Faces in one 8-bit frame: RGB (H x W x 3) or grayscale (H x W)."""
        ...


def default_detector() -> FaceDetector:
    from .blazeface import BlazeFaceDetector

    return BlazeFaceDetector()
