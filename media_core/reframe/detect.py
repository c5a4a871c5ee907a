"""Face detectors behind one small interface.

The default is OpenCV's frontal-face Haar cascade from ``opencv-python-headless`` (the
cascade XML ships inside the wheel, so nothing is downloaded). It was picked by what
could be measured and shipped here: the mediapipe 0.10.14 wheel (which carries BlazeFace)
would downgrade protobuf in this environment, OpenCV 5 wheels no longer carry the
cascades, and none of the YuNet wrappers on the registry carries the ONNX file. Another
detector only has to implement :class:`FaceDetector`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import BackendUnavailableError


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

    def detect(self, gray: np.ndarray) -> list[Box]:
        """Faces in one 8-bit grayscale frame."""
        ...


class HaarFaceDetector:
    """OpenCV's ``haarcascade_frontalface_default`` with settings tuned for sampled video frames."""

    name = "opencv-haar-frontalface"

    def __init__(self, *, min_face: float = 0.06, scale_factor: float = 1.15, min_neighbors: int = 6):
        #: Smallest face searched for, as a share of the frame height: smaller ones are a wide shot anyway.
        self.min_face = min_face
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self._cascade = _cascade("haarcascade_frontalface_default.xml")
        self._verify = _cascade("haarcascade_frontalface_alt2.xml")

    def detect(self, gray: np.ndarray) -> list[Box]:
        import cv2

        side = max(16, int(gray.shape[0] * self.min_face))
        # Equalising evens out stage lighting and dark footage, where the cascade misses most.
        equalised = cv2.equalizeHist(gray)
        found = self._cascade.detectMultiScale(
            equalised, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors, minSize=(side, side)
        )
        return [
            Box(float(x), float(y), float(w), float(h))
            for (x, y, w, h) in found
            if self._confirmed(equalised, x, y, w, h)
        ]

    def _confirmed(self, gray: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
        """A second, differently trained cascade must agree on the box's neighbourhood.

        The default cascade finds nearly every frontal face but also the odd textured
        shirt; the alt2 cascade, run on that small region only, rejects most of those.
        """
        margin = w // 4
        roi = gray[max(0, y - margin) : y + h + margin, max(0, x - margin) : x + w + margin]
        size = max(16, int(w * 0.6))
        return len(self._verify.detectMultiScale(roi, scaleFactor=1.1, minNeighbors=3, minSize=(size, size))) > 0


@functools.cache
def _cascade(name: str):
    try:
        import cv2
    except ImportError as exc:
        raise BackendUnavailableError(
            "Face following needs OpenCV (pip install opencv-python-headless); it is not installed."
        ) from exc
    cv2.setNumThreads(1)  # analysis runs beside a render and the UI: one core is enough
    path = f"{cv2.data.haarcascades}{name}"  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise BackendUnavailableError(f"OpenCV's face cascade {name} is missing from this OpenCV build.")
    return cascade


def default_detector() -> FaceDetector:
    return HaarFaceDetector()
