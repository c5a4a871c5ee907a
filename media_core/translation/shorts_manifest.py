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

from pydantic import BaseModel

from ..errors import InputNotFoundError, InvalidParameterError
from ..paths import write_text_atomic
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .base import LogFn, Translator, language_name, normalize_lang
from .subtitles import resolve_translator, translate_texts

#: The per-clip fields translated, in the order they are sent.
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


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputNotFoundError(f"The shorts manifest {path} does not exist.") from exc
    except (OSError, ValueError) as exc:
        raise InvalidParameterError(f"{path.name} is not a readable shorts manifest (JSON).", detail=repr(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("clips"), list):
        raise InvalidParameterError(f"{path.name} is not a shorts manifest: it has no list of clips.")
    return data


def manifest_language(data: dict) -> str | None:
    """The spoken language recorded by the shorts run: the manifest itself, its request, or the
    transcript it names."""
    candidates = [data.get("language"), ((data.get("request") or {}).get("transcription") or {}).get("language")]
    transcript = data.get("transcript")
    if isinstance(transcript, str) and transcript:
        try:
            candidates.append(json.loads(Path(transcript).read_text(encoding="utf-8")).get("language"))
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
    path = Path(manifest_path)
    say = log or (lambda message: None)
    report = as_progress(progress)
    token = as_token(cancel)
    data = _read(path)
    tgt = normalize_lang(tgt)
    src = normalize_lang(src) if src else manifest_language(data)
    if not src:
        raise InvalidParameterError(
            f"The language of the clips in {path.name} is unknown: say which language they are in."
        )
    if src == tgt:
        raise InvalidParameterError(f"The clips are already in {language_name(tgt)}.")
    clips = [c for c in data["clips"] if isinstance(c, dict)]
    sources = {field: [str(c.get(field) or "") for c in clips] for field in FIELDS}
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

    done: dict[str, dict[str, str]] = {}
    for n, clip in enumerate(clips):
        key = _clip_key(clip, n)
        done[key] = {"source": {f: sources[f][n] for f in FIELDS}, "translated": {f: results[f][n] for f in FIELDS}}
    from ..shorts.runs import manifest_lock

    with manifest_lock(path):  # a clip re-render or delete rewrites it under the same lock
        current = _read(path)  # the shorts run may have rewritten it meanwhile
        applied = skipped = 0
        for n, clip in enumerate(c for c in current["clips"] if isinstance(c, dict)):
            entry = done.get(_clip_key(clip, n))
            if entry is None or any(str(clip.get(f) or "") != entry["source"][f] for f in FIELDS):
                skipped += 1
                continue
            translations = clip.get("translations") if isinstance(clip.get("translations"), dict) else {}
            clip["translations"] = {**translations, tgt: entry["translated"]}
            applied += 1
        info = current.get("translation_info") if isinstance(current.get("translation_info"), dict) else {}
        current["translation_info"] = {**info, tgt: {"src": src, "backend": translator.name}}
        token.raise_if_cancelled()
        report(0.97, "writing the manifest")
        write_text_atomic(path, json.dumps(current, indent=2, ensure_ascii=False))
    if skipped:
        say(f"{skipped} clip(s) changed while translating and were left untranslated; run again to include them")
    say(f"wrote {path}")
    report(1.0, "translated")
    return ManifestTranslation(manifest=path, src=src, tgt=tgt, backend=translator.name, clips=applied, skipped=skipped)


def _clip_key(clip: dict, index: int) -> str:
    return str(clip.get("id") or f"#{index}")
