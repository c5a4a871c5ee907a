"""Translated titles and descriptions for a shorts run's ``manifest.json``.

Each clip gains ``translations: {"<lang>": {"title": …, "text": …}}`` and the manifest a
``translation_info: {"<lang>": {"src": …, "backend": …}}`` entry (which engine made it:
machine translations deserve a label in a UI). Nothing else in the manifest changes.

The manifest belongs to the shorts run and may be rewritten by it (a clip re-rendered
while we translate): the file is read again just before writing, translations are merged
by clip id only where the clip's title/text are still what was translated, and the
result is written atomically.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..errors import InvalidParameterError
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .base import LogFn, Translator, language_name, normalize_lang
from .subtitles import resolve_translator, translate_texts

if TYPE_CHECKING:  # the shorts package is imported when a manifest is translated, not with translation
    from ..shorts.exports import ManifestClip, ShortsManifest

#: The per-clip fields translated, in the order they are sent (media_core.shorts.exports.TEXT_FIELDS).
FIELDS = ("title", "text")


class ManifestTranslation(BaseModel):
    #: The manifest written. It stays the shorts run's file: the translation job names it in its
    #: result, never as its own output (deleting a job's files must not delete the run's manifest).
    manifest: Path
    src: str
    tgt: str
    backend: str
    #: Clips that got a translation (clips changed meanwhile by the shorts run are skipped).
    clips: int
    skipped: int = 0


def manifest_language(manifest: ShortsManifest) -> str | None:
    """The spoken language recorded by the shorts run: the manifest itself, its request, or the
    transcript it names."""
    extra = manifest.extras()
    candidates = [extra.get("language"), ((manifest.request or {}).get("transcription") or {}).get("language")]
    if manifest.transcript:
        try:
            candidates.append(json.loads(Path(manifest.transcript).read_text(encoding="utf-8")).get("language"))
        except (OSError, ValueError, AttributeError):
            pass
    for lang in candidates:
        if isinstance(lang, str) and lang.strip() and lang.strip().lower() not in ("auto", "und"):
            return normalize_lang(lang)
    return None


def translate_shorts_manifest(
    manifest_path: str | os.PathLike,
    tgt: str,
    src: str | None = None,
    *,
    backend: str = "auto",
    translator: Translator | None = None,
    offline: bool | None = None,
    cloud_base_url: str | None = None,
    cloud_model: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> ManifestTranslation:
    """Add ``tgt`` titles and descriptions to every clip of a shorts manifest, in place.

    ``src`` defaults to the language the manifest records. Backend choice and the cloud
    overrides work as in :func:`~media_core.translation.translate_subtitle_file`. Running it
    again for the same language replaces that language's translations.
    """
    from ..shorts.exports import ClipText, read_manifest, save_manifest
    from ..shorts.runs import manifest_lock

    path = Path(manifest_path)
    say = log or (lambda message: None)
    report = as_progress(progress)
    token = as_token(cancel)
    manifest = read_manifest(path, resolve_files=False)
    tgt = normalize_lang(tgt)
    src = normalize_lang(src) if src else manifest_language(manifest)
    if not src:
        raise InvalidParameterError(
            f"The language of the clips in {path.name} is unknown: say which language they are in."
        )
    if src == tgt:
        raise InvalidParameterError(f"The clips are already in {language_name(tgt)}.")
    clips = manifest.clips
    sources = {field: [getattr(c, field) for c in clips] for field in FIELDS}
    translator = translator or resolve_translator(
        backend, src, tgt, offline=offline, cloud_base_url=cloud_base_url, cloud_model=cloud_model, log=log
    )
    started = time.perf_counter()
    results: dict[str, list[str]] = {}
    # Titles and descriptions go separately: each batch is then one kind of text, which
    # is better context for the engine than titles interleaved with paragraphs.
    spans = {"title": (0.0, 0.3), "text": (0.3, 0.95)}
    for field in FIELDS:
        token.raise_if_cancelled()
        lo, hi = spans[field]
        results[field] = translate_texts(
            sources[field],
            tgt,
            src,
            translator=translator,
            progress=report.span(lo, hi, f"translating {field}s"),
            cancel=token,
        )
    token.raise_if_cancelled()
    say(
        f"translated {len(clips)} clip title(s) and description(s) {src}→{tgt} with {translator.name} "
        f"in {time.perf_counter() - started:.2f} s"
    )

    done: dict[str, dict[str, dict[str, str]]] = {}
    for n, clip in enumerate(clips):
        key = _clip_key(clip, n)
        done[key] = {"source": {f: sources[f][n] for f in FIELDS}, "translated": {f: results[f][n] for f in FIELDS}}
    with manifest_lock(path):  # a clip re-render or delete rewrites it under the same lock
        current = read_manifest(path, resolve_files=False)  # the shorts run may have rewritten it meanwhile
        applied = skipped = 0
        for n, clip in enumerate(current.clips):
            entry = done.get(_clip_key(clip, n))
            if entry is None or any(getattr(clip, f) != entry["source"][f] for f in FIELDS):
                skipped += 1
                continue
            clip.translations = {**(clip.translations or {}), tgt: ClipText(**entry["translated"])}
            applied += 1
        info = current.extras().get("translation_info")
        info = info if isinstance(info, dict) else {}
        # An extra key of the manifest (not a model field): rewrites of the run keep it as it is.
        setattr(current, "translation_info", {**info, tgt: {"src": src, "backend": translator.name}})  # noqa: B010
        token.raise_if_cancelled()
        report(0.97, "writing the manifest")
        save_manifest(path, current)
    if skipped:
        say(f"{skipped} clip(s) changed while translating and were left untranslated; run again to include them")
    say(f"wrote {path}")
    report(1.0, "translated")
    return ManifestTranslation(manifest=path, src=src, tgt=tgt, backend=translator.name, clips=applied, skipped=skipped)


def _clip_key(clip: ManifestClip, index: int) -> str:
    return clip.id or f"#{index}"
