"""tiny.en stored with int8 weights (media_core/transcription/ct2_model.py) against the
packaged float16 one, on real speech: same network outputs, same words, same timestamps."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import jiwer
import numpy as np
import pytest

from media_core.errors import CancelledError, InvalidParameterError, ModelMissingError
from media_core.progress import CancelToken
from media_core.transcription import TranscriptionConfig, transcribe
from media_core.transcription.ct2_model import quantize_model_dir, read_model_bin, write_model_bin
from media_core.transcription.ggml_convert import convert_to_ggml
from tests.assets import JFK_TEXT

ROOT = Path(__file__).resolve().parent.parent


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


@pytest.fixture(scope="module")
def int8_model(tiny_en_model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("int8") / "tiny.en-int8"
    started = time.perf_counter()
    quantize_model_dir(tiny_en_model, out)
    print(f"quantized tiny.en in {time.perf_counter() - started:.1f} s")
    return out


@pytest.fixture(scope="module")
def speech(jfk_wav, librivox) -> list[tuple[Path, str]]:
    return [(jfk_wav, JFK_TEXT), *librivox]


def test_writer_reproduces_the_float16_file_byte_for_byte(tiny_en_model, tmp_path):
    """Reader and (CTranslate2's own) serializer agree with the converter that made the file."""
    out = tmp_path / "model.bin"
    write_model_bin(read_model_bin(tiny_en_model / "model.bin"), out)
    assert out.read_bytes() == (tiny_en_model / "model.bin").read_bytes()


def test_int8_model_holds_int8_linear_weights_and_the_rest_unchanged(tiny_en_model, int8_model):
    size = (int8_model / "model.bin").stat().st_size
    print(f"model.bin {(tiny_en_model / 'model.bin').stat().st_size / 1e6:.1f} MB -> {size / 1e6:.1f} MB")
    assert size < 45e6
    src, dst = read_model_bin(tiny_en_model / "model.bin"), read_model_bin(int8_model / "model.bin")
    assert (dst.binary_version, dst.spec, dst.revision, dst.aliases) == (
        src.binary_version,
        src.spec,
        src.revision,
        src.aliases,
    )
    quantized = [n for n in src.variables if n.endswith("weight") and src.variables[n].ndim == 2]
    assert "decoder/embeddings/weight" in quantized and len(quantized) > 20
    for name, value in src.variables.items():
        if name in quantized:
            assert dst.variables[name].dtype == np.int8 and dst.variables[name].shape == value.shape
            scale = dst.variables[f"{name}_scale"]
            assert scale.dtype == np.float32 and scale.shape == (value.shape[0],)
            # Every row uses the full int8 range: its largest weight maps to ±127.
            assert np.all(np.abs(dst.variables[name]).max(axis=1) == 127)
        else:
            assert dst.variables[name].dtype == value.dtype  # conv weights, biases, norms: as they were
            assert np.array_equal(dst.variables[name], value)
    assert set(dst.variables) == set(src.variables) | {f"{n}_scale" for n in quantized}
    for other in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (int8_model / other).read_bytes() == (tiny_en_model / other).read_bytes()


def test_stored_int8_equals_what_ctranslate2_computes_at_load(tiny_en_model, int8_model, jfk_wav):
    """Bit-identical network outputs: encoder states and beam-search scores on JFK."""
    import ctranslate2
    from faster_whisper import decode_audio
    from faster_whisper.feature_extractor import FeatureExtractor

    features = FeatureExtractor()(decode_audio(str(jfk_wav)))[:, :3000]
    features = np.ascontiguousarray(np.pad(features, ((0, 0), (0, 3000 - features.shape[1])))[None])
    results = []
    for folder in (tiny_en_model, int8_model):
        started = time.perf_counter()
        model = ctranslate2.models.Whisper(str(folder), device="cpu", compute_type="int8", intra_threads=1)
        print(f"{folder.name}: loaded in {time.perf_counter() - started:.2f} s")
        encoded = np.array(model.encode(ctranslate2.StorageView.from_array(features), to_cpu=True))
        (best,) = model.generate(
            ctranslate2.StorageView.from_array(features), [[50257, 50362]], beam_size=5, return_scores=True
        )
        results.append((encoded, best.sequences_ids[0], best.scores[0]))
    (enc_a, ids_a, score_a), (enc_b, ids_b, score_b) = results
    assert np.array_equal(enc_a, enc_b)
    assert ids_a == ids_b and len(ids_a) > 10
    assert score_a == score_b


def test_transcripts_and_word_timestamps_are_identical(tiny_en_model, int8_model, speech):
    from faster_whisper import WhisperModel

    models = [
        WhisperModel(str(d), device="cpu", compute_type="int8", cpu_threads=1) for d in (tiny_en_model, int8_model)
    ]
    max_diff, hyps = 0.0, []
    for wav, _ in speech:
        runs = []
        for model in models:
            segments, _ = model.transcribe(str(wav), beam_size=5, word_timestamps=True, language="en")
            runs.append([(w.word, w.start, w.end, w.probability) for s in segments for w in s.words or []])
        f16, int8 = runs
        assert [w[0] for w in int8] == [w[0] for w in f16], wav.name
        assert int8, wav.name
        max_diff = max([max_diff] + [max(abs(a[1] - b[1]), abs(a[2] - b[2])) for a, b in zip(f16, int8, strict=True)])
        assert [w[3] for w in int8] == [w[3] for w in f16]
        hyps.append("".join(w[0] for w in int8))
    print(f"max word timestamp difference: {max_diff} s")
    assert max_diff == 0.0
    wer = jiwer.wer([" ".join(_words(t)) for _, t in speech], [" ".join(_words(h)) for h in hyps])
    print(f"WER int8 model, JFK + LibriVox: {wer:.3f}")
    assert _words(hyps[0]) == _words(JFK_TEXT)


def test_int8_model_also_runs_dequantized_in_float32(int8_model, jfk_wav):
    from faster_whisper import WhisperModel

    model = WhisperModel(str(int8_model), device="cpu", compute_type="float32", cpu_threads=1)
    segments, _ = model.transcribe(str(jfk_wav), beam_size=5, language="en")
    assert _words(" ".join(s.text for s in segments)) == _words(JFK_TEXT)


def test_app_transcribes_with_the_int8_folder_on_both_backends(int8_model, jfk_wav, tmp_path):
    """The frozen app points at this folder; whisper.cpp gets a conversion of it (dequantized)."""
    t = transcribe(jfk_wav, TranscriptionConfig(model=str(int8_model), threads=1))
    assert _words(t.text) == _words(JFK_TEXT)
    ggml = convert_to_ggml(int8_model, tmp_path / "ggml-tiny.en-int8.bin")
    t = transcribe(jfk_wav, TranscriptionConfig(backend="whisper.cpp", model=str(ggml), threads=1))
    assert _words(t.text) == _words(JFK_TEXT)


def _broken_copy(tiny_en_model: Path, folder: Path, model_bin: bytes) -> Path:
    folder.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (folder / name).write_bytes((tiny_en_model / name).read_bytes())
    (folder / "model.bin").write_bytes(model_bin)
    return folder


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[: len(b) // 2], r"ends at byte \d+ inside decoder/"),
        (lambda b: b[:7], r"ends at byte 7 inside the spec name"),
        (lambda b: b"", r"empty"),
        (lambda b: b + b"\0\0\0", r"3 unexpected bytes"),
        (lambda b: struct.pack("<I", 0x6C6D6767) + b[4:], r"binary version \d+ is not a CTranslate2 one"),
    ],
    ids=["half", "header", "empty", "trailing", "not-ct2"],
)
def test_damaged_model_gives_one_clear_error(tiny_en_model, tmp_path, damage, message):
    source = _broken_copy(tiny_en_model, tmp_path / "src", damage((tiny_en_model / "model.bin").read_bytes()))
    with pytest.raises(ModelMissingError, match=message) as caught:
        quantize_model_dir(source, tmp_path / "out")
    assert "not a complete CTranslate2 model" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]  # nothing half-written


def test_cli_reports_a_truncated_model_without_a_traceback(tiny_en_model, tmp_path):
    data = (tiny_en_model / "model.bin").read_bytes()
    source = _broken_copy(tiny_en_model, tmp_path / "src", data[: len(data) - 1000])
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "quantize_ct2_model.py"),
            str(tmp_path / "out"),
            "--source",
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "not a complete CTranslate2 model" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_refuses_int8_input_existing_output_and_in_place(int8_model, tiny_en_model, tmp_path):
    with pytest.raises(InvalidParameterError, match="int8 already"):
        quantize_model_dir(int8_model, tmp_path / "again")
    with pytest.raises(InvalidParameterError, match="exists already"):
        quantize_model_dir(tiny_en_model, int8_model)
    with pytest.raises(InvalidParameterError, match="own folder"):
        quantize_model_dir(tiny_en_model, tiny_en_model, overwrite=True)
    assert not (tmp_path / "again").exists()


def test_cancel_leaves_nothing_and_overwrite_replaces(tiny_en_model, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        quantize_model_dir(tiny_en_model, tmp_path / "out", cancel=token)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "stale.txt").write_text("old")
    quantize_model_dir(tiny_en_model, tmp_path / "out", overwrite=True)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
