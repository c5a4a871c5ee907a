"""Subtitle and text translation with pluggable backends.

Backends: ``argos`` (Argos Translate packages on CTranslate2, offline), ``apertium``
(rule-based, offline, when the command is installed), ``cloud`` (any OpenAI-compatible
endpoint; off in offline mode) and ``identity`` (plumbing tests only: never offered to
users, see :func:`user_backends`).

For a settings page: :func:`backend_status` (what can run, with pairs), the package
functions in :mod:`.argos` and :func:`~.cloud.check_endpoint`.
"""

from .base import (
    AUTO_ORDER,
    TEST_ONLY_BACKENDS,
    LanguagePair,
    LogFn,
    Translator,
    available_backends,
    get_translator,
    language_name,
    normalize_lang,
    register_backend,
    supports,
    user_backends,
)
from .catalog import BackendStatus, backend_status
from .shorts_manifest import ManifestTranslation, translate_shorts_manifest
from .subtitles import (
    TranslationResult,
    bilingual,
    bilingual_ass,
    bilingual_stacked,
    resolve_translator,
    translate_lines,
    translate_subtitle_file,
    translate_texts,
    wrap_balanced,
)

__all__ = [
    "AUTO_ORDER",
    "TEST_ONLY_BACKENDS",
    "BackendStatus",
    "LanguagePair",
    "LogFn",
    "ManifestTranslation",
    "TranslationResult",
    "Translator",
    "available_backends",
    "backend_status",
    "bilingual",
    "bilingual_ass",
    "bilingual_stacked",
    "get_translator",
    "language_name",
    "normalize_lang",
    "register_backend",
    "resolve_translator",
    "supports",
    "translate_lines",
    "translate_shorts_manifest",
    "translate_subtitle_file",
    "translate_texts",
    "user_backends",
    "wrap_balanced",
]
