"""Where transcription runs: CUDA when CTranslate2 can use it, else the CPU, and never a failure
because of the GPU.

``device="auto"`` / ``compute_type="auto"`` (the defaults of
:class:`~media_core.transcription.config.TranscriptionConfig`) resolve here: CUDA with float16
(or int8_float16 / float32 where the card lacks fast fp16) when ``ctranslate2`` sees a device,
the CPU with int8 otherwise. A GPU path that fails, at load or mid-run (a missing cuDNN or
cuBLAS library, an old driver, out of memory), is recognised by :func:`is_gpu_failure` and the
caller retries on the CPU after one log line (:func:`fallback_message`).

Apple silicon has no CUDA; whisper.cpp builds with Metal / Core ML there, so
:func:`accelerators` names them for the whisper.cpp backend.
"""

from __future__ import annotations

import functools
import logging
import platform
import re
from typing import Literal

from pydantic import BaseModel

from .config import TranscriptionConfig

log = logging.getLogger("reframe.transcription.device")

#: Preferred CUDA compute types, best first (float16 needs compute capability ≥ 5.3).
_CUDA_ORDER = ("float16", "int8_float16", "float32")
_CPU_ORDER = ("int8", "int8_float32", "float32")

#: What CTranslate2 / CUDA say when the GPU path cannot run (messages seen in the field:
#: "Library cublas64_12.dll is not found", "Could not load library libcudnn_ops_infer.so.8",
#: "CUDA failed with error out of memory", "CUDA driver version is insufficient ...").
_GPU_ERROR = re.compile(
    r"cuda|cudnn|cublas|cufft|curand|nvrtc|out of memory|\boom\b|no cuda-capable device|"
    r"device-side|gpu|driver version|libcu\w*\.so|cu\w*64_\d+\.dll",
    re.IGNORECASE,
)

#: Approximate memory (GB) a faster-whisper model needs with the compute type in brackets,
#: from the faster-whisper README benchmarks (large-v2 fp16 ≈ 4.5 GB VRAM, int8 ≈ 3 GB RAM)
#: and CTranslate2 model sizes; the smaller models scale with their parameter count.
_MODEL_NEEDS_GB = {
    "large-v3": (4.7, 3.2),
    "medium": (2.6, 1.8),
    "small": (1.1, 0.8),
    "base": (0.5, 0.35),
    "tiny": (0.3, 0.25),
}


#: Why the GPU failed in this process: once it did, later jobs go straight to the CPU
#: (no second failing load, no second log line).
_gpu_failure: str | None = None


def mark_gpu_failed(exc: BaseException, *, when: Literal["load", "run"]) -> None:
    """Record the failure and write the one log line about it."""
    global _gpu_failure
    first = _gpu_failure is None
    _gpu_failure = short_reason(exc)
    if first:
        log.warning(fallback_message(exc, when=when))


def gpu_failure() -> str | None:
    return _gpu_failure


def reset_gpu_failure() -> None:
    """Forget an earlier GPU failure (a new driver was installed, tests)."""
    global _gpu_failure
    _gpu_failure = None


class Accelerator(BaseModel):
    name: Literal["CUDA", "Metal", "Core ML"]
    #: The backend that can use it.
    backend: Literal["faster-whisper", "whisper.cpp"]
    devices: int = 1
    detail: str = ""


class DeviceChoice(BaseModel):
    """What a transcription really runs on, after ``auto`` was resolved."""

    device: Literal["cpu", "cuda"]
    compute_type: str
    threads: int = 0
    #: Set when the GPU was asked for (or picked) but the CPU is used instead.
    fallback_reason: str | None = None

    @property
    def wants_gpu(self) -> bool:
        """The GPU was picked or asked for (whether or not it works)."""
        return self.device == "cuda" or self.fallback_reason is not None

    @property
    def label(self) -> str:
        return "CUDA" if self.device == "cuda" else "CPU"


@functools.cache
def cuda_device_count() -> int:
    """CUDA devices CTranslate2 can use (0 when the library, the driver or the card is missing)."""
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except Exception as exc:  # an import error or a broken driver both mean "no CUDA here"
        log.debug("no CUDA for CTranslate2: %r", exc)
        return 0


@functools.cache
def supported_compute_types(device: str) -> frozenset[str]:
    """CTranslate2's compute types for ``device``; empty when that device cannot be used."""
    try:
        import ctranslate2

        return frozenset(ctranslate2.get_supported_compute_types(device))
    except Exception as exc:
        log.debug("no compute types for %s: %r", device, exc)
        return frozenset()


def _is_apple_silicon() -> bool:
    return platform.system() == "Darwin" and platform.machine() in ("arm64", "aarch64")


def accelerators() -> list[Accelerator]:
    """Every accelerator a backend of this install could use on this machine."""
    found: list[Accelerator] = []
    count = cuda_device_count()
    if count:
        found.append(Accelerator(name="CUDA", backend="faster-whisper", devices=count))
    if _is_apple_silicon():
        # whisper.cpp's macOS builds (pywhispercpp wheels) use Metal; Core ML needs an encoder
        # model converted with whisper.cpp's script, so it is named but not promised.
        found.append(Accelerator(name="Metal", backend="whisper.cpp"))
        found.append(Accelerator(name="Core ML", backend="whisper.cpp", detail="with a converted encoder model"))
    return found


def _first(order: tuple[str, ...], supported: frozenset[str], default: str) -> str:
    return next((ct for ct in order if ct in supported), default)


def resolve_device(config: TranscriptionConfig) -> DeviceChoice:
    """``config``'s device and compute type with ``auto`` resolved for this machine.

    An explicit ``cuda`` is kept even without a visible device, so that the load fails
    for real and falls back with its own error in the log (an explicit choice deserves
    the reason it did not work)."""
    device = config.device.lower()
    if device == "auto":
        device = "cuda" if cuda_device_count() else "cpu"
    if device not in ("cpu", "cuda"):
        device = "cpu"
    fallback = None
    if device == "cuda" and _gpu_failure is not None:
        device, fallback = "cpu", _gpu_failure
    compute_type = config.compute_type
    if compute_type == "auto" or (fallback and compute_type not in supported_compute_types("cpu")):
        if device == "cuda":
            compute_type = _first(_CUDA_ORDER, supported_compute_types("cuda"), "float16")
        else:
            compute_type = _first(_CPU_ORDER, supported_compute_types("cpu"), "int8")
    threads = config.resolved_threads() if device == "cpu" else 0
    return DeviceChoice(device=device, compute_type=compute_type, threads=threads, fallback_reason=fallback)


def resolved_config(config: TranscriptionConfig) -> TranscriptionConfig:
    """``config`` with device and compute type made concrete."""
    choice = resolve_device(config)
    if (choice.device, choice.compute_type) == (config.device, config.compute_type):
        return config
    return config.model_copy(update={"device": choice.device, "compute_type": choice.compute_type})


def cpu_config(config: TranscriptionConfig) -> TranscriptionConfig:
    """The CPU twin of a GPU config: what the fallback runs."""
    compute_type = _first(_CPU_ORDER, supported_compute_types("cpu"), "int8")
    return config.model_copy(update={"device": "cpu", "compute_type": compute_type})


def is_gpu_failure(exc: BaseException) -> bool:
    """True when ``exc`` says the GPU path cannot run (missing CUDA libraries, driver, memory)."""
    if isinstance(exc, MemoryError):
        return True
    text = f"{type(exc).__name__}: {exc}"
    return bool(_GPU_ERROR.search(text))


def short_reason(exc: BaseException) -> str:
    """The first line of the error, without the library's prefixes, for the one log line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def fallback_message(exc: BaseException, *, when: Literal["load", "run"]) -> str:
    stage = "could not load the model on the GPU" if when == "load" else "failed on the GPU mid-run"
    return f"Transcription {stage} ({short_reason(exc)}); continuing on the CPU."


def describe(config: TranscriptionConfig) -> str:
    """The status line's words for a transcription: "tiny.en · CPU · 2 threads",
    "large-v3 · CUDA · float16", "base · whisper.cpp · Metal"."""
    from pathlib import Path

    model = config.model
    if "/" in model or "\\" in model:  # a model folder: its name, or its package's for a generic "model"
        folder = Path(model)
        model = folder.parent.name if folder.name.lower() in ("model", "models") else folder.name
    if config.backend == "whisper.cpp":
        where = "Metal" if _is_apple_silicon() else "CPU"
        threads = config.resolved_threads()
        tail = f" · {_threads(threads)}" if where == "CPU" and threads else ""
        return f"{model} · whisper.cpp · {where}{tail}"
    choice = resolve_device(config)
    if choice.device == "cuda":
        return f"{model} · CUDA · {choice.compute_type}"
    threads = choice.threads or _default_cpu_threads()
    tail = " (GPU failed, see the log)" if choice.fallback_reason else ""
    return f"{model} · CPU · {_threads(threads)}{tail}"


def _threads(n: int) -> str:
    return f"{n} thread" if n == 1 else f"{n} threads"


def _default_cpu_threads() -> int:
    # CTranslate2's default for cpu_threads=0 is 4, capped by the machine's cores.
    import os

    return min(4, os.cpu_count() or 1)


class MemoryInfo(BaseModel):
    ram_free_gb: float
    vram_free_gb: float | None = None


def free_memory() -> MemoryInfo:
    """Free RAM (psutil) and, where ``nvidia-smi``-less NVML is present, free VRAM of GPU 0."""
    import psutil

    ram = psutil.virtual_memory().available / 1e9
    return MemoryInfo(ram_free_gb=round(ram, 2), vram_free_gb=_free_vram_gb())


def _free_vram_gb() -> float | None:
    if not cuda_device_count():
        return None
    try:  # pynvml (nvidia-ml-py) is optional: without it the RAM advice is used
        import pynvml

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        return round(pynvml.nvmlDeviceGetMemoryInfo(handle).free / 1e9, 2)
    except Exception:
        return None


def suggest_model(memory: MemoryInfo | None = None, *, english_only: bool = False) -> str:
    """The largest model that fits the free memory of the device it would run on, with a
    quarter kept as headroom for the rest of the app and the video being decoded."""
    memory = memory or free_memory()
    on_gpu = memory.vram_free_gb is not None
    budget = (memory.vram_free_gb if on_gpu else memory.ram_free_gb) or 0.0
    budget *= 0.75
    fits = [n for n, (gpu_gb, cpu_gb) in _MODEL_NEEDS_GB.items() if budget >= (gpu_gb if on_gpu else cpu_gb)]
    name = fits[0] if fits else "tiny"
    if english_only and name in ("tiny", "base", "small", "medium"):
        return f"{name}.en"
    return name


def transcription_status(config: TranscriptionConfig | None = None) -> str:
    """One line for the window: the transcription's model and device, and the free memory's advice."""
    config = config or TranscriptionConfig()
    return describe(config)


def status_line(config: TranscriptionConfig | None = None, *, encoders: bool = True) -> str:
    """ "tiny.en · CPU · 2 threads — video: libx264" (probes the encoders, so it takes up to a
    few seconds the first time; call it off the UI thread)."""
    line = transcription_status(config)
    if not encoders:
        return line
    try:
        from ..render.encoders import detect_encoders

        report = detect_encoders()
        hardware = [e.name for e in report.encoders if e.works and e.hardware]
        video = ", ".join(hardware) if hardware else f"{report.default} (no hardware encoder)"
    except Exception as exc:  # ffmpeg missing: the status line still tells about transcription
        video = f"unknown ({short_reason(exc)})"
    return f"{line} — video: {video}"
