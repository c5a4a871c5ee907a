"""The translator contract every backend follows, language codes, and the backend registry.

A backend translates a *batch* of short texts at once (subtitle cues, titles): batching
gives the engines context and keeps process/HTTP overhead per batch, not per cue.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from ..errors import BackendUnavailableError, InvalidParameterError
from ..progress import CancelToken, LogFn, Progress, ProgressFn, as_progress, as_token

#: Receives one human-readable line at a time (the job log, a CLI's --verbose output).

#: ISO 639-1 → English name, for messages and menus (the languages the backends commonly offer).
LANGUAGE_NAMES: dict[str, str] = {
    "ar": "Arabic",
    "az": "Azerbaijani",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "eo": "Esperanto",
    "es": "Spanish",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "ga": "Irish",
    "gl": "Galician",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sv": "Swedish",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "zh": "Chinese",
    "eu": "Basque",
    "oc": "Occitan",
    "nb": "Norwegian Bokmål",
    "nn": "Norwegian Nynorsk",
    "bg": "Bulgarian",
    "hr": "Croatian",
    "sr": "Serbian",
    "sl": "Slovenian",
}


def normalize_lang(code: str) -> str:
    """``"EN"``, ``"en-US"``, ``"en_GB"`` → ``"en"``; raises on an empty code."""
    value = (code or "").strip().lower().replace("_", "-")
    if not value:
        raise InvalidParameterError('A language code is required (for example "en" or "es").')
    return value.split("-", 1)[0]


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(normalize_lang(code), code)


class LanguagePair(BaseModel, frozen=True):
    src: str
    tgt: str
    #: The language text passes through when no package translates ``src``→``tgt`` directly
    #: (Argos pivots through English); None for a direct pair. Pivoting translates twice, so
    #: it is slower and loses more meaning than a direct pair: UIs should say so.
    via: str | None = None

    def __str__(self) -> str:
        return f"{self.src}→{self.tgt}" + (f" (via {self.via})" if self.via else "")


@runtime_checkable
class Translator(Protocol):
    """What the subtitle translator and the app need from any backend."""

    name: str

    def translate_batch(
        self,
        texts: list[str],
        src: str,
        tgt: str,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> list[str]:
        """One translation per input text, same order, same count (empty in → empty out)."""
        ...

    def available_pairs(self) -> list[tuple[str, str]]:
        """Language pairs this backend can translate right now (installed/configured)."""
        ...

    def is_available(self) -> bool: ...


class RowTranslator:
    """A backend that translates line by line (Argos, Apertium): every row of every text goes
    through ``translate_rows`` and the texts are put back together (see :func:`split_rows`)."""

    name: str

    def translate_batch(
        self,
        texts: list[str],
        src: str,
        tgt: str,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> list[str]:
        report = as_progress(progress)
        rows, shape = split_rows(texts)
        out = self.translate_rows(rows, src, tgt, report, as_token(cancel))
        report(1.0, "translating")
        return check_batch(texts, join_rows(out, shape), self.name)

    def translate_rows(self, rows: list[str], src: str, tgt: str, report: Progress, token: CancelToken) -> list[str]:
        """One translation per row, same order; empty rows stay empty."""
        raise NotImplementedError


def supports(translator: Translator, src: str, tgt: str) -> bool:
    """Whether ``translator`` can do ``src``→``tgt`` now (pivoting backends override ``supports_pair``)."""
    own = getattr(translator, "supports_pair", None)
    if callable(own):
        return bool(own(src, tgt))
    return (normalize_lang(src), normalize_lang(tgt)) in set(translator.available_pairs())


#: name → "module:factory"; imported lazily so an unused backend never costs an import.
_BACKENDS: dict[str, str] = {
    "argos": "media_core.translation.argos:ArgosTranslator",
    "apertium": "media_core.translation.apertium:ApertiumTranslator",
    "cloud": "media_core.translation.cloud:CloudTranslator",
    "identity": "media_core.translation.identity:IdentityTranslator",
}

#: Order tried by ``backend="auto"``: offline first, the network last.
AUTO_ORDER = ("argos", "apertium", "cloud")

#: Backends that exist for plumbing tests and must never be offered to users.
TEST_ONLY_BACKENDS = frozenset({"identity"})


def register_backend(name: str, target: str | Callable[[], Translator]) -> None:
    """Add a backend (``"module:factory"`` or a factory callable) — for plug-ins and tests."""
    _BACKENDS[name] = target  # type: ignore[assignment]


def available_backends() -> list[str]:
    """All registered backend names (whether or not they can run on this machine)."""
    return list(_BACKENDS)


def user_backends() -> list[str]:
    """Backend names a user may choose (menus, ``--backend``): everything but the test-only ones."""
    return [name for name in _BACKENDS if name not in TEST_ONLY_BACKENDS]


def get_translator(name: str, *, log: LogFn | None = None, **options) -> Translator:
    """A fresh backend instance; ``options`` go to its constructor (e.g. ``threads=2``).

    ``log`` reaches factories that accept it (the built-in backends log which pair/mode ran
    and how long it took); plug-in factories without a ``log`` parameter still work.
    """
    target = _BACKENDS.get(name)
    if target is None:
        raise InvalidParameterError(
            f'Unknown translation backend "{name}". Choose one of: {", ".join(user_backends())}, or auto.'
        )
    if callable(target):
        factory = target
    else:
        module_name, _, attr = target.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except ImportError as exc:
            raise BackendUnavailableError(
                f"The {name} translation backend cannot be loaded: {exc}", detail=repr(exc)
            ) from exc
    if log is not None and _accepts(factory, "log"):
        options["log"] = log
    return factory(**options)


def _accepts(factory: Callable, name: str) -> bool:
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def check_batch(texts: list[str], out: list[str], backend: str) -> list[str]:
    """Backends' last line of defence: never hand back a different number of lines."""
    from ..errors import TranslationError

    if len(out) != len(texts):
        raise TranslationError(
            f"The {backend} translator returned {len(out)} lines for {len(texts)}; nothing was changed.",
            detail=f"in={texts!r}\nout={out!r}",
        )
    return out


def split_rows(texts: list[str]) -> tuple[list[str], list[int]]:
    """Every row (line) of every text as one flat list, plus how many rows each text had.

    Engines that translate sentence by sentence (Argos, Apertium) would fold a line break
    into a space; translating rows separately and joining them back keeps the breaks of
    multi-line texts such as clip descriptions. Subtitle cues never reach this with
    breaks: their rows are joined into one sentence first and re-wrapped afterwards.
    """
    rows: list[str] = []
    shape: list[int] = []
    for text in texts:
        parts = text.replace("\r\n", "\n").split("\n")
        rows.extend(parts)
        shape.append(len(parts))
    return rows, shape


def join_rows(rows: list[str], shape: list[int]) -> list[str]:
    """Inverse of :func:`split_rows`."""
    out, at = [], 0
    for count in shape:
        out.append("\n".join(rows[at : at + count]))
        at += count
    return out
