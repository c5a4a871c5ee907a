"""Settings of one transcription job."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TranscriptionConfig(BaseModel):
    backend: Literal["faster-whisper", "whisper.cpp"] = "faster-whisper"
    #: A model name known to the model manager ("tiny.en", "base", …) or a path to a model folder / ggml file.
    model: str = "tiny.en"
    #: ISO code such as "en"; ``None`` lets Whisper detect the language.
    language: str | None = None
    #: "auto" (CUDA when CTranslate2 sees a device, else the CPU), "cuda" or "cpu";
    #: a GPU that fails falls back to the CPU (media_core/transcription/device.py).
    device: str = "auto"
    #: "auto" (float16 on CUDA, int8 on the CPU) or a CTranslate2 compute type.
    compute_type: str = "auto"
    #: CPU threads; 0 = the engine settings' threads (``REFRAME_THREADS``), else the library default.
    threads: int = Field(default=0, ge=0)
    vad: bool = True
    word_timestamps: bool = True
    initial_prompt: str | None = None
    beam_size: int = Field(default=5, ge=1)

    def resolved_threads(self) -> int:
        """Threads to ask the backend for; 0 means "let the library choose"."""
        if self.threads:
            return self.threads
        from ..settings import engine_settings

        return engine_settings().threads
