"""Device choice and the GPU → CPU fallback, on this CPU-only machine, with real CTranslate2 loads."""

from __future__ import annotations

import logging

import pytest

from media_core.transcription import TranscriptionConfig, device, faster_whisper_backend, transcribe
from media_core.transcription.device import MemoryInfo


@pytest.fixture(autouse=True)
def _fresh_gpu_state():
    device.reset_gpu_failure()
    faster_whisper_backend.clear_model_cache()
    yield
    device.reset_gpu_failure()


def _fallback_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == device.log.name and r.levelno == logging.WARNING]


def test_auto_resolves_to_cpu_int8_here():
    assert device.cuda_device_count() == 0
    choice = device.resolve_device(TranscriptionConfig(threads=2))
    assert (choice.device, choice.compute_type, choice.threads) == ("cpu", "int8", 2)
    assert TranscriptionConfig().device == "auto" and TranscriptionConfig().compute_type == "auto"
    assert device.describe(TranscriptionConfig(model="tiny.en", threads=2)) == "tiny.en · CPU · 2 threads"
    assert device.describe(TranscriptionConfig(model="tiny.en", threads=1)) == "tiny.en · CPU · 1 thread"
    assert all(a.name != "CUDA" for a in device.accelerators())


def test_forced_cuda_falls_back_to_cpu_with_one_line(jfk_wav, tiny_en_model, caplog):
    """device="cuda" makes CTranslate2 really try CUDA (it fails here: no driver), the job
    still produces the transcript on the CPU, and the log says so once."""
    config = TranscriptionConfig(model=str(tiny_en_model), device="cuda", compute_type="float16", threads=1)
    with caplog.at_level(logging.WARNING, logger=device.log.name):
        first = transcribe(jfk_wav, config)
        second = transcribe(jfk_wav, config)  # the failure is remembered: no second failing load
    assert "ask not what your country can do for you" in first.text.lower()
    # The job's log (captions print the transcript's notes) says where it ran, every time.
    for transcript in (first, second):
        assert any("transcribed on the CPU: the GPU failed (CUDA" in n for n in transcript.meta["notes"])
    assert second.text == first.text
    lines = _fallback_lines(caplog)
    assert len(lines) == 1, lines
    assert "could not load the model on the GPU" in lines[0] and "continuing on the CPU" in lines[0]
    assert "CUDA" in lines[0]  # CTranslate2's own reason is in the line
    assert device.gpu_failure() is not None
    assert device.describe(config).endswith("CPU · 1 thread (GPU failed, see the log)")


def test_gpu_failure_mid_run_restarts_on_cpu(jfk_wav, tiny_en_model, caplog, monkeypatch):
    """A CUDA out-of-memory while decoding (cannot happen for real without a GPU, so the first,
    CUDA attempt raises CTranslate2's message) ends in a CPU transcript and one log line."""
    from media_core.audio import decode_audio
    from media_core.progress import as_progress, as_token

    real = faster_whisper_backend._transcribe
    devices_used: list[str] = []

    def cuda_runs_out_of_memory(audio, model_dir, config, *, report, token, notes=None):
        devices_used.append(config.device)
        if config.device == "cuda":
            raise RuntimeError("CUDA failed with error out of memory")
        return real(audio, model_dir, config, report=report, token=token, notes=notes)

    monkeypatch.setattr(faster_whisper_backend, "_transcribe", cuda_runs_out_of_memory)
    audio = decode_audio(jfk_wav)
    config = TranscriptionConfig(model=str(tiny_en_model), device="cuda", compute_type="float16", threads=1)
    with caplog.at_level(logging.WARNING, logger=device.log.name):
        segments, language, _ = faster_whisper_backend.transcribe_array(
            audio, tiny_en_model, config, report=as_progress(None), token=as_token(None)
        )
    assert devices_used == ["cuda", "cpu"]
    assert "ask not what your country" in " ".join(s.text for s in segments).lower() and language == "en"
    (line,) = _fallback_lines(caplog)
    assert "failed on the GPU mid-run (CUDA failed with error out of memory)" in line


def test_a_non_gpu_error_is_not_swallowed(jfk_wav, tmp_path):
    from media_core.errors import ModelMissingError

    with pytest.raises(ModelMissingError):
        transcribe(jfk_wav, TranscriptionConfig(model=str(tmp_path / "missing"), device="cuda", threads=1))
    assert device.gpu_failure() is None


@pytest.mark.parametrize(
    "message",
    [
        "Library cublas64_12.dll is not found or cannot be loaded",
        "Could not load library libcudnn_ops_infer.so.8. Error: cannot open shared object file",
        "CUDA failed with error out of memory",
        "CUDA failed with error CUDA driver version is insufficient for CUDA runtime version",
        "cuDNN failed with status CUDNN_STATUS_EXECUTION_FAILED",
        "CUBLAS_STATUS_NOT_INITIALIZED",
    ],
)
def test_gpu_errors_are_recognised(message):
    assert device.is_gpu_failure(RuntimeError(message))


@pytest.mark.parametrize("message", ["Unable to open file 'model.bin' in model '/x'", "unsupported model spec"])
def test_other_errors_are_not_gpu_errors(message):
    assert not device.is_gpu_failure(RuntimeError(message))


def test_model_suggestion_follows_free_memory():
    assert device.suggest_model(MemoryInfo(ram_free_gb=0.2)) == "tiny"
    assert device.suggest_model(MemoryInfo(ram_free_gb=1.5), english_only=True) == "small.en"
    assert device.suggest_model(MemoryInfo(ram_free_gb=64)) == "large-v3"
    assert device.suggest_model(MemoryInfo(ram_free_gb=64, vram_free_gb=2.0)) == "small"
    assert device.suggest_model(MemoryInfo(ram_free_gb=1, vram_free_gb=8)) == "large-v3"
    assert device.suggest_model() in ("tiny", "base", "small", "medium", "large-v3")


def test_status_line_names_the_encoders():
    line = device.status_line(TranscriptionConfig(model="tiny.en", threads=2))
    assert line.startswith("tiny.en · CPU · 2 threads — video: ")
    assert "libx264 (no hardware encoder)" in line  # this machine has no working GPU encoder
