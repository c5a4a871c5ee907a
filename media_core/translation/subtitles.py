"""Translate subtitle cues (and short texts such as clip titles) with any backend.

Cue count, order and timing never change: only text is replaced. ASS override tags
(``{\\b1}``…) are kept out of what the translator sees — leading/trailing tags are put
back where they were; tags in the middle of a cue cannot be mapped onto translated
word order, so they are dropped. A multi-row cue is translated as one sentence and
re-wrapped to the same number of rows, balanced by length.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..errors import (BackendUnavailableError, InputNotFoundError, InvalidParameterError, ReframeError,
                      SubtitleFormatError)
from ..models import SubtitleLine
from ..paths import atomic_output, outputs_dir
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from .base import AUTO_ORDER, Translator, get_translator, language_name, normalize_lang, supports

log = logging.getLogger(__name__)

BilingualMode = Literal["stacked", "two_track"]
DEFAULT_BATCH_SIZE = 40
_TAG = re.compile(r"\{[^{}]*\}")
_LEADING_TAGS = re.compile(r"^(?:\s*\{[^{}]*\})+")
_TRAILING_TAGS = re.compile(r"(?:\{[^{}]*\}\s*)+$")


# --- choosing a backend -------------------------------------------------------------------------

def resolve_translator(backend: str, src: str, tgt: str, *, offline: bool | None = None,
                       **options) -> Translator:
    """The named backend, or for ``"auto"`` the first of argos → apertium → cloud that can do the pair."""
    src, tgt = normalize_lang(src), normalize_lang(tgt)
    if backend != "auto":
        extra = {"offline": offline} if backend == "cloud" and offline is not None else {}
        translator = get_translator(backend, **options, **extra)
        if not supports(translator, src, tgt) and backend != "identity":
            # Let the backend explain precisely (missing package, offline, no endpoint…).
            translator.translate_batch(["test"], src, tgt)
        return translator
    tried = []
    for name in AUTO_ORDER:
        try:
            extra = {"offline": offline} if name == "cloud" and offline is not None else {}
            translator = get_translator(name, **options, **extra)
            if translator.is_available() and supports(translator, src, tgt):
                return translator
            tried.append(name)
        except ReframeError as exc:
            tried.append(f"{name} ({exc})")
    pair = f"{language_name(src)} → {language_name(tgt)}"
    raise BackendUnavailableError(
        f"No translator can do {pair} on this computer. Install an Argos Translate package for {src}→{tgt} "
        f"(Settings › Translation), install Apertium with the pair (e.g. `apt install apertium "
        f"apertium-eng-spa`), or configure a cloud endpoint and turn offline mode off.",
        detail=f"tried: {', '.join(tried)}")


# --- cue text handling ---------------------------------------------------------------------------

class _Prepared(BaseModel):
    lead: str = ""
    trail: str = ""
    text: str = ""
    rows: int = 1
    #: The plain text with its original row breaks.
    layout: str = ""


def _prepare(text: str) -> _Prepared:
    """Split a cue into its leading/trailing ASS tags and plain one-line text to translate."""
    text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    lead_m = _LEADING_TAGS.match(text)
    lead = lead_m.group(0).strip() if lead_m else ""
    body = text[lead_m.end():] if lead_m else text
    trail_m = _TRAILING_TAGS.search(body)
    trail = trail_m.group(0).strip() if trail_m and trail_m.start() > 0 else ""
    if trail:
        body = body[:trail_m.start()]
    body = _TAG.sub("", body)
    rows = [r.strip() for r in body.split("\n") if r.strip()]
    return _Prepared(lead=lead, trail=trail, text=" ".join(rows), rows=max(1, len(rows)), layout="\n".join(rows))


def wrap_balanced(text: str, rows: int) -> str:
    """Split ``text`` into ``rows`` lines whose longest is as short as possible (word boundaries only)."""
    words = text.split()
    rows = max(1, min(rows, len(words)))
    if rows == 1:
        return " ".join(words)
    n = len(words)
    lengths = [len(w) for w in words]

    def span(i: int, j: int) -> int:  # characters of words[i:j] joined by spaces
        return sum(lengths[i:j]) + (j - i - 1)

    inf = float("inf")
    # best[k][j]: minimal longest row when words[:j] are set in k rows.
    best = [[inf] * (n + 1) for _ in range(rows + 1)]
    cut = [[0] * (n + 1) for _ in range(rows + 1)]
    best[0][0] = 0
    for k in range(1, rows + 1):
        for j in range(k, n + 1):
            for i in range(k - 1, j):
                cost = max(best[k - 1][i], span(i, j))
                if cost < best[k][j]:
                    best[k][j], cut[k][j] = cost, i
    out, j = [], n
    for k in range(rows, 0, -1):
        i = cut[k][j]
        out.append(" ".join(words[i:j]))
        j = i
    return "\n".join(reversed(out))


def translate_lines(lines: list[SubtitleLine], translator: Translator, src: str, tgt: str, *,
                    batch_size: int = DEFAULT_BATCH_SIZE, progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None) -> list[SubtitleLine]:
    """Translated copies of ``lines``: same count, order and timing; words/karaoke data dropped
    (translated words have no timings)."""
    if batch_size < 1:
        raise InvalidParameterError("batch_size must be at least 1.")
    report = as_progress(progress)
    token = as_token(cancel)
    prepared = [_prepare(line.text) for line in lines]
    todo = [i for i, p in enumerate(prepared) if p.text]
    translated: dict[int, str] = {}
    # Consecutive cues travel together so the engine sees neighbouring context.
    for start in range(0, len(todo), batch_size):
        token.raise_if_cancelled()
        idx = todo[start:start + batch_size]
        span = report.span(start / len(todo), min(1.0, (start + len(idx)) / len(todo)))
        out = translator.translate_batch([prepared[i].text for i in idx], src, tgt, progress=span, cancel=token)
        translated.update(zip(idx, out))
    result = []
    for i, (line, prep) in enumerate(zip(lines, prepared)):
        if i not in translated:
            result.append(line.model_copy(update={"text": "" if not prep.text else line.text, "words": []}))
            continue
        # Unchanged text (names, an identity pass) keeps the author's own line breaks.
        body = prep.layout if translated[i].strip() == prep.text else wrap_balanced(translated[i], prep.rows)
        result.append(line.model_copy(update={"text": f"{prep.lead}{body}{prep.trail}", "words": []}))
    report(1.0, "translating")
    return result


def translate_texts(texts: list[str], tgt: str, src: str, *, backend: str = "auto",
                    translator: Translator | None = None, offline: bool | None = None,
                    progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> list[str]:
    """Translate short free texts (clip titles, descriptions for the shorts manifest)."""
    translator = translator or resolve_translator(backend, src, tgt, offline=offline)
    clean = [re.sub(r"\s+", " ", t or "").strip() for t in texts]
    return translator.translate_batch(clean, normalize_lang(src), normalize_lang(tgt),
                                      progress=progress, cancel=cancel)


# --- bilingual output --------------------------------------------------------------------------

def _plain(text: str) -> str:
    return _TAG.sub("", text.replace("\\N", "\n")).strip()


def bilingual_stacked(original: list[SubtitleLine], translated: list[SubtitleLine]) -> list[SubtitleLine]:
    """One cue per original cue: the original rows, then the translation rows below them."""
    _check_same_cues(original, translated)
    out = []
    for o, t in zip(original, translated):
        parts = [p for p in (_plain(o.text), _plain(t.text)) if p]
        out.append(o.model_copy(update={"text": "\n".join(parts), "words": []}))
    return out


def bilingual_ass(original: list[SubtitleLine], translated: list[SubtitleLine], *, width: int = 1920,
                  height: int = 1080, font: str = "Arial", translation_position: Literal["above", "top"] = "above"):
    """A two-track ``pysubs2.SSAFile``: original at the bottom, the translation smaller and yellow,
    stacked just above it (or at the top of the frame)."""
    import pysubs2

    _check_same_cues(original, translated)
    size = max(16, round(height * 0.055))
    small = max(12, round(size * 0.78))
    margin = round(height * 0.05)
    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": str(width), "PlayResY": str(height), "WrapStyle": "0",
                      "ScaledBorderAndShadow": "yes"})
    subs.styles["Original"] = pysubs2.SSAStyle(
        fontname=font, fontsize=size, primarycolor=pysubs2.Color(255, 255, 255), outlinecolor=pysubs2.Color(0, 0, 0),
        backcolor=pysubs2.Color(0, 0, 0, 128), bold=True, outline=max(1, size / 16), shadow=0,
        alignment=pysubs2.Alignment.BOTTOM_CENTER, marginv=margin)
    max_rows = max((len(_plain(o.text).split("\n")) for o in original if _plain(o.text)), default=1)
    above = margin + round(size * 1.25 * max_rows) + round(size * 0.2)
    subs.styles["Translation"] = pysubs2.SSAStyle(
        fontname=font, fontsize=small, primarycolor=pysubs2.Color(255, 221, 64), outlinecolor=pysubs2.Color(0, 0, 0),
        backcolor=pysubs2.Color(0, 0, 0, 128), bold=False, italic=False, outline=max(1, small / 16), shadow=0,
        alignment=pysubs2.Alignment.BOTTOM_CENTER if translation_position == "above" else pysubs2.Alignment.TOP_CENTER,
        marginv=above if translation_position == "above" else margin)
    for o, t in zip(original, translated):
        start, end = round(o.start * 1000), round(o.end * 1000)
        for style, text in (("Original", _plain(o.text)), ("Translation", _plain(t.text))):
            if text:
                subs.events.append(pysubs2.SSAEvent(start=start, end=end, style=style,
                                                    text=text.replace("\n", "\\N")))
    return subs


def bilingual(original: list[SubtitleLine], translated: list[SubtitleLine], mode: BilingualMode = "stacked", **kw):
    """``"stacked"`` → ``list[SubtitleLine]`` (for SRT/VTT); ``"two_track"`` → a ``pysubs2.SSAFile``."""
    if mode == "stacked":
        return bilingual_stacked(original, translated)
    if mode == "two_track":
        return bilingual_ass(original, translated, **kw)
    raise InvalidParameterError(f"Unknown bilingual mode \"{mode}\": use stacked or two_track.")


def _check_same_cues(a: list[SubtitleLine], b: list[SubtitleLine]) -> None:
    if len(a) != len(b):
        raise InvalidParameterError(f"Original and translation differ in cue count ({len(a)} vs {len(b)}).")


# --- files --------------------------------------------------------------------------------------

class TranslationResult(BaseModel):
    outputs: list[Path] = Field(default_factory=list)
    #: The translated subtitles (same format as the input unless ``out`` says otherwise).
    translated: Path
    bilingual: Path | None = None
    backend: str
    src: str
    tgt: str
    cues: int


_FORMATS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ssa", ".sub": "microdvd", ".json": "json"}


def _load_subs(path: Path):
    import pysubs2

    try:
        return pysubs2.load(str(path), encoding="utf-8")
    except UnicodeDecodeError:
        try:
            return pysubs2.load(str(path), encoding="latin-1")
        except Exception as exc:
            raise SubtitleFormatError(f"{path.name} could not be read as subtitles.", detail=repr(exc)) from exc
    except Exception as exc:  # pysubs2 raises several types for unknown/garbled files
        raise SubtitleFormatError(f"{path.name} is not a subtitle file Reframe can read (SRT, VTT, ASS).",
                                  detail=repr(exc)) from exc


def _event_lines(subs) -> tuple[list[int], list[SubtitleLine]]:
    """Dialogue events (comments skipped) as SubtitleLines; text keeps its ASS tags."""
    idx, lines = [], []
    for i, ev in enumerate(subs.events):
        if ev.is_comment:
            continue
        idx.append(i)
        lines.append(SubtitleLine(start=ev.start / 1000, end=max(ev.start, ev.end) / 1000,
                                  text=ev.text.replace("\\N", "\n").replace("\\n", "\n")))
    return idx, lines


def detect_source_language(path: Path) -> str | None:
    """The language recorded next to the subtitles: a transcript JSON beside them, or a
    ``name.<lang>.srt`` suffix."""
    for candidate in (path.with_suffix(".json"), path.with_name(path.stem.rsplit(".", 1)[0] + ".json")):
        if candidate != path and candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict):
                lang = data.get("language")
                if not lang and isinstance(data.get("transcript"), dict):
                    lang = data["transcript"].get("language")
                if isinstance(lang, str) and lang.strip():
                    return normalize_lang(lang)
    match = re.search(r"\.([a-z]{2})(?:[-_][A-Za-z]{2})?$", path.stem)
    if match:
        return match.group(1)
    return None


def _default_out(path: Path, tgt: str, suffix: str, tag: str | None = None) -> Path:
    stem = re.sub(r"\.[a-z]{2}(?:[-_][A-Za-z]{2})?$", "", path.stem)
    return outputs_dir() / f"{stem}.{tag or tgt}{suffix}"


def translate_subtitle_file(
    path: str | os.PathLike,
    tgt: str,
    src: str | None = None,
    *,
    backend: str = "auto",
    translator: Translator | None = None,
    bilingual: bool | BilingualMode = False,
    out: str | os.PathLike | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    offline: bool | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> TranslationResult:
    """Translate a subtitle file; writes ``<name>.<tgt>.<ext>`` (and a bilingual file if asked)
    into ``outputs_dir()`` unless ``out`` names the translated file."""
    import pysubs2

    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"The subtitle file {path} does not exist.")
    tgt = normalize_lang(tgt)
    src = normalize_lang(src) if src else detect_source_language(path)
    if not src:
        raise InvalidParameterError(
            f"The language of {path.name} is unknown: say which language it is in (--from).")
    if src == tgt:
        raise InvalidParameterError(f"{path.name} is already in {language_name(tgt)}.")
    mode: BilingualMode | None = ("stacked" if bilingual is True else bilingual) or None
    if mode not in (None, "stacked", "two_track"):
        raise InvalidParameterError(f"Unknown bilingual mode \"{bilingual}\": use stacked or two_track.")
    report = as_progress(progress)
    token = as_token(cancel)

    subs = _load_subs(path)
    idx, lines = _event_lines(subs)
    translator = translator or resolve_translator(backend, src, tgt, offline=offline)
    report(0.02, "translating")
    translated = translate_lines(lines, translator, src, tgt, batch_size=batch_size,
                                 progress=report.span(0.02, 0.95), cancel=token)
    token.raise_if_cancelled()

    suffix = path.suffix.lower() if path.suffix.lower() in _FORMATS else ".srt"
    out_path = Path(out) if out else _default_out(path, tgt, suffix)
    fmt = _FORMATS.get(out_path.suffix.lower())
    if fmt is None:
        raise InvalidParameterError(f"Cannot write subtitles as {out_path.suffix or 'a file without extension'}: "
                                    "use .srt, .vtt or .ass.")
    for i, line in zip(idx, translated):
        subs.events[i].text = line.text.replace("\n", "\\N")
    _save(subs, out_path, fmt)
    outputs = [out_path]
    bi_path = None
    if mode == "stacked":
        stacked = bilingual_stacked(lines, translated)
        bi = subs.copy() if hasattr(subs, "copy") else _load_subs(path)
        for i, line in zip(idx, stacked):
            bi.events[i].text = line.text.replace("\n", "\\N")
        bi_path = out_path.with_name(f"{_stem_without_lang(out_path)}.{src}-{tgt}{out_path.suffix}")
        _save(bi, bi_path, fmt)
    elif mode == "two_track":
        width = int(subs.info.get("PlayResX") or 1920)
        height = int(subs.info.get("PlayResY") or 1080)
        ass = bilingual_ass(lines, translated, width=width, height=height)
        bi_path = out_path.with_name(f"{_stem_without_lang(out_path)}.{src}-{tgt}.ass")
        _save(ass, bi_path, "ass")
    if bi_path:
        outputs.append(bi_path)
    report(1.0, "translated")
    return TranslationResult(outputs=outputs, translated=out_path, bilingual=bi_path, backend=translator.name,
                             src=src, tgt=tgt, cues=len(lines))


def _stem_without_lang(path: Path) -> str:
    return re.sub(r"\.[a-z]{2}(?:[-_][A-Za-z]{2})?$", "", path.stem)


def _save(subs, path: Path, fmt: str) -> None:
    with atomic_output(path) as tmp:
        subs.save(str(tmp), encoding="utf-8", format_=fmt)
