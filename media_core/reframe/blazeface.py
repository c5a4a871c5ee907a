"""MediaPipe's BlazeFace (full range) run with onnxruntime: the default face detector.

The network is Google's ``face_detection_full_range_sparse.tflite`` (Apache-2.0, from the
``mediapipe`` 0.10.14 wheel), converted once to ONNX by ``packaging/export_face_onnx.py``
(``packaging/dev/setup.sh`` and ``packaging/build.sh`` run it; the file is not committed). It
looks at a 192 x 192 RGB square and predicts one box per 4 x 4 cell (2304 anchors); decoding,
the score threshold and the weighted non-maximum suppression follow MediaPipe's
``face_detection_full_range`` graph. A wide frame is seen as overlapping square tiles plus the
whole frame, so a face a few percent of the frame height is still ~12 px in the network's input.
"""

from __future__ import annotations

import functools
import math
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BackendUnavailableError
from ..paths import models_dir
from ..resources import built_model_dirs
from .detect import Box
from .resize import area_resize

MODEL_FILE = "blazeface-full-range.onnx"
#: The network's input side, in pixels.
INPUT_SIZE = 192
#: One anchor per 4 x 4 cell of the input (MediaPipe's SsdAnchorsCalculator, stride 4, fixed size).
STRIDE = 4
#: MediaPipe's full-range graph: scores through a sigmoid, raw scores clipped at +-100, kept above 0.6.
MIN_SCORE = 0.6
SCORE_CLIP = 100.0
#: Boxes overlapping more than this are one face (weighted NMS, as MediaPipe does).
NMS_IOU = 0.3


def default_model_dir() -> Path:
    return models_dir() / "faces"


def candidate_dirs() -> list[Path]:
    return built_model_dirs("faces", "REFRAME_FACE_MODELS")


def find_model() -> Path:
    """The ONNX file, or one clear error saying how to build it."""
    for folder in candidate_dirs():
        if (folder / MODEL_FILE).is_file():
            return folder / MODEL_FILE
    looked = ", ".join(str(d) for d in candidate_dirs())
    raise BackendUnavailableError(
        "The face detector model is not installed, so faces cannot be followed. Build it with "
        "'python packaging/export_face_onnx.py' (needs the dev extra once) or reinstall Reframe.",
        detail=f"looked in: {looked}",
    )


@functools.cache
def anchors() -> np.ndarray:
    """(2304, 2) anchor centres in [0, 1] input coordinates, row by row (anchor size is 1)."""
    cells = INPUT_SIZE // STRIDE
    ys, xs = np.meshgrid((np.arange(cells) + 0.5) / cells, (np.arange(cells) + 0.5) / cells, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def decode(regressors: np.ndarray, logits: np.ndarray, min_score: float = MIN_SCORE) -> tuple[np.ndarray, np.ndarray]:
    """One input's raw outputs -> (boxes as x0, y0, x1, y1 in [0, 1] input coordinates, scores) above ``min_score``.

    ``regressors`` is (2304, 16): box centre offset, width, height, then six keypoints, all in
    input pixels relative to the anchor; ``logits`` is (2304,) or (2304, 1).
    """
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1).astype(np.float64), -SCORE_CLIP, SCORE_CLIP)))
    keep = scores >= min_score
    raw = regressors[keep, :4] / INPUT_SIZE
    centre = anchors()[keep] + raw[:, :2]
    half = raw[:, 2:4] / 2
    return np.concatenate([centre - half, centre + half], axis=1), scores[keep]


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, iou: float = NMS_IOU) -> list[tuple[np.ndarray, float]]:
    """MediaPipe's weighted NMS: the best box and every box overlapping it become their score-weighted mean."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    out = []
    while len(boxes):
        group = _iou(boxes[0], boxes) > iou
        group[0] = True
        weights = scores[group]
        out.append(((boxes[group] * weights[:, None]).sum(axis=0) / weights.sum(), float(scores[0])))
        boxes, scores = boxes[~group], scores[~group]
    return out


def tiles(width: int, height: int) -> list[tuple[int, int, int]]:
    """Square windows (x, y, side) covering a frame, each overlapping the next by half: a face
    up to half the short side fits whole in one of them."""
    side = min(width, height)
    long_side = max(width, height)
    count = 1 if long_side <= side * 1.2 else math.ceil((long_side - side) / (side / 2)) + 1
    starts = [round(i * (long_side - side) / max(1, count - 1)) for i in range(count)]
    return [(s, 0, side) if width >= height else (0, s, side) for s in starts]


_lock = threading.Lock()


@functools.cache
def _session(path: str, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])


class BlazeFaceDetector:
    """BlazeFace full range on overlapping square tiles of the frame plus the whole frame, letterboxed."""

    name = "blazeface-full-range"
    #: Frames this tall need no resizing before the network (their tiles are its input size).
    frame_height = INPUT_SIZE

    def __init__(self, model: Path | None = None, *, min_score: float = MIN_SCORE, threads: int = 1):
        path = model or find_model()
        if not path.is_file():
            raise BackendUnavailableError(f"The face detector model {path} does not exist.")
        self.min_score = min_score
        with _lock:
            # One thread: the analysis runs beside a render and the UI.
            self.session = _session(str(path), threads)

    def detect(self, image: np.ndarray) -> list[Box]:
        """Faces in one 8-bit RGB (H x W x 3) or grayscale (H x W) frame, in its pixels."""
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        height, width = image.shape[:2]
        views = [(x, y, side, False) for x, y, side in tiles(width, height)]
        if len(views) > 1:
            views.append((0, 0, max(width, height), True))
        batch = np.stack([self.network_input(image, x, y, side) for x, y, side, _ in views])
        regressors, logits = self.session.run(None, {"input": batch})
        found_boxes, found_scores = [], []
        for (x, y, side, whole), reg, logit in zip(views, regressors, logits, strict=True):
            boxes, scores = decode(reg, logit, self.min_score)
            boxes = boxes * side + np.array([x, y, x, y], dtype=np.float32)
            if not whole:
                inner = _inside_inner_edges(boxes, x, y, side, width, height)
                boxes, scores = boxes[inner], scores[inner]
            found_boxes.append(boxes)
            found_scores.append(scores)
        merged = weighted_nms(np.concatenate(found_boxes), np.concatenate(found_scores))
        return [
            Box(float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1]), score)
            for b, score in merged
            if b[2] > b[0] and b[3] > b[1]
        ]

    @staticmethod
    def network_input(image: np.ndarray, x: int, y: int, side: int) -> np.ndarray:
        """The window (x, y, side) as the network's input: RGB in [-1, 1], zero-padded past the frame's edge."""
        window = image[y : y + side, x : x + side]
        h, w = window.shape[:2]
        scale = INPUT_SIZE / side
        out_w, out_h = max(1, round(w * scale)), max(1, round(h * scale))
        pixels = area_resize(window, out_w, out_h) if (out_w, out_h) != (w, h) else window.astype(np.float32)
        square = np.full((INPUT_SIZE, INPUT_SIZE, 3), -1.0, dtype=np.float32)
        square[:out_h, :out_w] = pixels / 127.5 - 1.0
        return square


def _inside_inner_edges(boxes: np.ndarray, x: int, y: int, side: int, width: int, height: int) -> np.ndarray:
    """Boxes not touching a tile edge that lies inside the frame: a face cut there is whole in the next tile."""
    margin = side * 0.02
    keep = np.ones(len(boxes), dtype=bool)
    if x > 0:
        keep &= boxes[:, 0] > x + margin
    if x + side < width:
        keep &= boxes[:, 2] < x + side - margin
    if y > 0:
        keep &= boxes[:, 1] > y + margin
    if y + side < height:
        keep &= boxes[:, 3] < y + side - margin
    return keep
