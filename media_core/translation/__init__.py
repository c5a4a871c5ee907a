"""Subtitle and text translation with pluggable backends.

Backends: ``argos`` (Argos Translate packages on CTranslate2, offline), ``apertium``
(rule-based, offline, when the command is installed), ``cloud`` (any OpenAI-compatible
endpoint; off in offline mode) and ``identity`` (plumbing tests only).
"""

from .base import (AUTO_ORDER, LanguagePair, Translator, available_backends, get_translator, language_name,
                   normalize_lang, register_backend, supports)
from .subtitles import (TranslationResult, bilingual, bilingual_ass, bilingual_stacked, resolve_translator,
                        translate_lines, translate_subtitle_file, translate_texts, wrap_balanced)

__all__ = [
    "AUTO_ORDER", "LanguagePair", "Translator", "available_backends", "get_translator", "language_name",
    "normalize_lang", "register_backend", "supports", "TranslationResult", "bilingual", "bilingual_ass",
    "bilingual_stacked", "resolve_translator", "translate_lines", "translate_subtitle_file", "translate_texts",
    "wrap_balanced",
]
