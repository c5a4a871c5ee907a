"""The BlazeFace detector: the ONNX conversion against the TFLite original, faces found where a
person marked them on real photos, none on real footage without people, and the decoding."""

from __future__ import annotations

import itertools
import zipfile
from pathlib import Path

import av
import numpy as np
import pytest

from media_core.errors import BackendUnavailableError
from media_core.reframe import BlazeFaceDetector, Box, analyze
from media_core.reframe.blazeface import INPUT_SIZE, anchors, decode, find_model, tiles, weighted_nms
from media_core.reframe.resize import area_resize
from tests import assets

#: Faces marked by hand (x0, y0, x1, y1: brows to chin, cheek to cheek) on the source photos.
ASTRONAUT_BOX = (180, 80, 270, 177)
MESSI_BOX = (225, 97, 257, 129)


def _image(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def _iou(box, marked) -> float:
    x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.y + box.h
    iw = max(0.0, min(x1, marked[2]) - max(x0, marked[0]))
    ih = max(0.0, min(y1, marked[3]) - max(y0, marked[1]))
    inter = iw * ih
    return inter / ((x1 - x0) * (y1 - y0) + (marked[2] - marked[0]) * (marked[3] - marked[1]) - inter)


@pytest.fixture(scope="module")
def detector() -> BlazeFaceDetector:
    return BlazeFaceDetector()


def test_onnx_model_computes_what_the_tflite_original_computes(detector):
    from ai_edge_litert.interpreter import Interpreter

    tflite = zipfile.ZipFile(assets.mediapipe_wheel()).read(
        "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite"
    )
    interpreter = Interpreter(model_content=tflite)
    interpreter.allocate_tensors()
    photo = _image(assets.astronaut_png())
    x = detector.network_input(photo, 0, 0, photo.shape[0])[None]
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    want = [interpreter.get_tensor(o["index"]) for o in interpreter.get_output_details()]
    got = detector.session.run(None, {"input": x})
    for w, g in zip(want, got, strict=True):
        assert w.shape == g.shape
        assert np.abs(w - g).max() < 1e-3
    # And the original's best anchor, decoded, is the marked face.
    boxes, scores = decode(want[0][0], want[1][0])
    x0, y0, x1, y1 = boxes[scores.argmax()] * photo.shape[0]
    assert scores.max() > 0.8 and _iou(Box(x0, y0, x1 - x0, y1 - y0), ASTRONAUT_BOX) >= 0.5


def test_astronaut_face_is_found_where_it_was_marked(detector):
    photo = _image(assets.astronaut_png())
    for image in (photo, photo.mean(axis=2).astype(np.uint8)):  # colour, and grayscale too
        faces = detector.detect(image)
        assert len(faces) == 1, faces
        assert _iou(faces[0], ASTRONAUT_BOX) >= 0.5, faces[0]
        assert faces[0].score >= 0.8


def test_messi_face_is_found_where_it_was_marked(detector):
    faces = detector.detect(_image(assets.messi_jpg()))
    assert len(faces) == 1, faces
    assert _iou(faces[0], MESSI_BOX) >= 0.5, faces[0]


def test_real_footage_faces_found_and_nothing_where_nobody_is(detector):
    """bikes.mp4: a man in a suit (frames 31-41) and a cyclist (105-135) are found; the
    opening street shot (0-29) and the parked bike (200-249) have no face and get none."""
    found: dict[int, int] = {}
    with av.open(str(assets.bikes_mp4())) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i < 30 or 31 <= i <= 41 or 105 <= i <= 135 or i >= 200:
                found[i] = len(detector.detect(frame.to_ndarray(format="rgb24")))
    assert [i for i, n in found.items() if n and (i < 30 or i >= 200)] == []
    man = [found[i] >= 1 for i in range(31, 42)]
    cyclist = [found[i] >= 1 for i in range(105, 136)]
    assert sum(man) / len(man) >= 0.9 and sum(cyclist) / len(cyclist) >= 0.9, (man, cyclist)


def test_decoding_follows_the_anchors_and_weighted_nms_merges_one_face():
    grid = INPUT_SIZE // 4
    assert anchors().shape == (grid * grid, 2)
    regressors = np.zeros((grid * grid, 16), np.float32)
    logits = np.full(grid * grid, -10.0, np.float32)
    face = 20 * grid + 10  # anchor at row 20, column 10: centre ((10.5, 20.5) / 48)
    # Two neighbouring anchors (4 px apart) predicting boxes 2 px apart: one face.
    for k, dx in ((face, 2.0), (face + 1, 0.0)):
        regressors[k, :4] = [dx, 0.0, 40.0, 48.0]
        logits[k] = 3.0
    regressors[5, :4] = [0, 0, 10, 10]
    logits[5] = 0.1  # sigmoid 0.52: below the 0.6 threshold
    boxes, scores = decode(regressors, logits)
    assert len(boxes) == 2
    cx, cy = 10.5 / grid + 2.0 / INPUT_SIZE, 20.5 / grid
    np.testing.assert_allclose(boxes[0], [cx - 20 / 192, cy - 24 / 192, cx + 20 / 192, cy + 24 / 192], atol=1e-6)
    assert scores[0] == pytest.approx(1 / (1 + np.exp(-3.0)))
    merged = weighted_nms(boxes, scores)
    assert len(merged) == 1
    box, _ = merged[0]
    assert box[0] == pytest.approx(cx - 20 / 192 + 1 / 192, abs=1e-6)  # the two boxes' mean
    far = np.array([[0.8, 0.8, 0.9, 0.9]], np.float32)
    assert len(weighted_nms(np.concatenate([boxes, far]), np.concatenate([scores, [0.7]]))) == 2


def test_tiles_cover_wide_and_tall_frames_with_half_overlap():
    assert tiles(480, 460) == [(0, 0, 460)]
    for width, height in ((640, 360), (360, 640), (1280, 272)):
        windows = tiles(width, height)
        side = min(width, height)
        starts = [x if width > height else y for x, y, _ in windows]
        assert starts[0] == 0 and starts[-1] + side == max(width, height)
        assert all(b - a <= side / 2 for a, b in itertools.pairwise(starts))


def test_area_resize_averages_blocks():
    image = np.arange(6 * 8, dtype=np.uint8).reshape(6, 8)
    np.testing.assert_allclose(area_resize(image, 4, 3), image.reshape(3, 2, 4, 2).mean(axis=(1, 3)))
    odd = np.random.default_rng(1).integers(0, 255, (37, 53, 3)).astype(np.uint8)
    assert area_resize(odd, 19, 11).mean() == pytest.approx(odd.mean(), rel=1e-3)


def test_a_missing_model_is_one_clear_error(monkeypatch, tmp_path):
    for var in ("REFRAME_FACE_MODELS", "REFRAME_DATA_DIR", "REFRAME_RESOURCES"):
        monkeypatch.setenv(var, str(tmp_path / var))
    with pytest.raises(BackendUnavailableError, match=r"export_face_onnx\.py"):
        find_model()
    with pytest.raises(BackendUnavailableError, match="face detector model"):
        analyze(assets.face_pan_video())
