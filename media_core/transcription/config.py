"""Settings of one transcription job."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator


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
    #: Snap each word's start and end to the audio (speech/silence edges) after recognition.
    refine_word_timing: bool = True
    initial_prompt: str | None = None
    beam_size: int = Field(default=5, ge=1)

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is None or not value.strip() or value.strip().lower() == "auto":
            return None
        return check_language(value)

    def resolved_threads(self) -> int:
        """Threads to ask the backend for; 0 means "let the library choose"."""
        if self.threads:
            return self.threads
        from ..settings import engine_settings

        return engine_settings().threads


#: Country codes people type for a language (jp for Japanese …): suggested, never guessed silently.
_COUNTRY_NOT_LANGUAGE = {
    "jp": "ja",
    "cn": "zh",
    "kr": "ko",
    "gr": "el",
    "dk": "da",
    "ua": "uk",
    "cz": "cs",
    "eng": "en",
}


def whisper_languages() -> tuple[str, ...]:
    """The language codes Whisper models know (faster-whisper's tokenizer list)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


def check_language(value: str) -> str:
    """``value`` as a Whisper language code ("EN", "en-US", "pt_BR" are accepted as "en", "pt");
    a ValueError listing the closest known codes otherwise."""
    import difflib

    codes = whisper_languages()
    code = value.strip().lower()
    if code in codes:
        return code
    base = code.replace("_", "-").split("-")[0]
    if base in codes and len(code) <= 8 and code[len(base) :].replace("_", "-")[1:].isalnum():
        return base
    close = difflib.get_close_matches(code, codes, n=5, cutoff=0.5) or difflib.get_close_matches(
        base, codes, n=5, cutoff=0.5
    )
    if base in _COUNTRY_NOT_LANGUAGE:
        close = [_COUNTRY_NOT_LANGUAGE[base], *(c for c in close if c != _COUNTRY_NOT_LANGUAGE[base])][:5]
    hint = f"did you mean {', '.join(close)}?" if close else "use a code such as en, es, fr, de, ja or zh"
    raise ValueError(f"unknown language code {value!r}: {hint} (or auto to detect it)")
