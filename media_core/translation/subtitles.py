"""Translate subtitle cues (and short texts such as clip titles) with any backend.

Cue count, order and timing never change: only text is replaced. ASS override tags
never reach the translator; they are re-applied to the translated words at the same
relative word boundaries (see :mod:`.markup`), so leading/trailing tags stay put and
inline ones keep their order. A multi-row cue is translated as one sentence and
re-wrapped to the same number of rows, balanced by length. Vector drawings (``\\p1``)
are left alone.

Every file of one call is written to a temporary sibling first and renamed into place
only when all of them are complete, so a cancel or an error leaves no output at all.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from ..errors import (
    BackendUnavailableError,
    InputNotFoundError,
    InvalidParameterError,
    ReframeError,
    error_from_oserror,
)
from ..models import SubtitleLine
from ..paths import outputs_dir, temp_path_for
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from . import markup
from .base import AUTO_ORDER, LogFn, Translator, get_translator, language_name, normalize_lang, supports

if TYPE_CHECKING:
    import pysubs2

BilingualMode = Literal["stacked", "two_track"]
DEFAULT_BATCH_SIZE = 40


def _quiet(message: str) -> None:
    pass


# --- choosing a backend -------------------------------------------------------------------------


def _backend_options(
    name: str, offline: bool | None, cloud_base_url: str | None, cloud_model: str | None, options: dict
) -> dict:
    if name != "cloud":
        return options
    extra: dict[str, Any] = {"offline": offline} if offline is not None else {}
    # Only the URL and model can be overridden per call; the API key always comes from the
    # settings (CloudConfig.from_settings), so it never sits in job parameters or logs.
    for key, value in (("base_url", cloud_base_url), ("model", cloud_model)):
        if value:
            extra[key] = value
    return {**options, **extra}


def resolve_translator(
    backend: str,
    src: str,
    tgt: str,
    *,
    offline: bool | None = None,
    cloud_base_url: str | None = None,
    cloud_model: str | None = None,
    log: LogFn | None = None,
    **options,
) -> Translator:
    """The named backend, or for ``"auto"`` the first of argos → apertium → cloud that can do the pair.

    ``cloud_base_url``/``cloud_model`` override the settings' cloud endpoint for this call
    (see :meth:`CloudConfig.from_settings` for when the stored API key is sent). ``log``
    receives which backend was chosen and, from the built-in backends, what each run did.
    """
    src, tgt = normalize_lang(src), normalize_lang(tgt)
    say = log or _quiet
    if backend != "auto":
        translator = get_translator(
            backend, log=log, **_backend_options(backend, offline, cloud_base_url, cloud_model, options)
        )
        if not supports(translator, src, tgt) and backend != "identity":
            # Let the backend explain precisely (missing package, offline, no endpoint…).
            translator.translate_batch(["test"], src, tgt)
        say(f"translation backend: {translator.name} ({src}→{tgt})")
        return translator
    tried: list[str] = []
    for name in AUTO_ORDER:
        try:
            translator = get_translator(
                name, log=log, **_backend_options(name, offline, cloud_base_url, cloud_model, options)
            )
            if translator.is_available() and supports(translator, src, tgt):
                say(
                    f"translation backend: {name} ({src}→{tgt}, chosen automatically; tried first: "
                    f"{', '.join(tried) or 'nothing'})"
                )
                return translator
            tried.append(name)
        except ReframeError as exc:
            tried.append(f"{name} ({exc})")
    pair = f"{language_name(src)} → {language_name(tgt)}"
    raise BackendUnavailableError(
        f"No translator can do {pair} on this computer. Add an Argos Translate package for {src}→{tgt} "
        f"(Settings → Translation, or `reframe translate-packages download {src} {tgt}`), install Apertium "
        f"with the pair (e.g. `apt install apertium apertium-eng-spa`), or configure a cloud endpoint in "
        f"Settings → Translation and turn offline mode off.",
        detail=f"tried: {', '.join(tried)}",
    )


# --- cue text handling ---------------------------------------------------------------------------


class _Prepared(BaseModel):
    marked: markup.Marked
    #: The plain text on one line: what the translator sees.
    text: str = ""
    rows: int = 1


def _prepare(text: str) -> _Prepared:
    marked = markup.split_markup(text)
    rows = [" ".join(r.split()) for r in marked.plain.split("\n") if r.strip()]
    if marked.drawing:
        return _Prepared(marked=marked)  # shape commands, nothing to translate
    return _Prepared(marked=marked, text=" ".join(rows), rows=max(1, len(rows)))


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


def translate_lines(
    lines: list[SubtitleLine],
    translator: Translator,
    src: str,
    tgt: str,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> list[SubtitleLine]:
    """Translated copies of ``lines``: same count, order and timing; words/karaoke data dropped
    (translated words have no timings). Cues with nothing to translate keep their text."""
    if batch_size < 1:
        raise InvalidParameterError("batch_size must be at least 1.")
    report = as_progress(progress)
    token = as_token(cancel)
    say = log or _quiet
    prepared = [_prepare(line.text) for line in lines]
    todo = [i for i, p in enumerate(prepared) if p.text]
    translated: dict[int, str] = {}
    started = time.perf_counter()
    # Consecutive cues travel together so the engine sees neighbouring context.
    for start in range(0, len(todo), batch_size):
        token.raise_if_cancelled()
        idx = todo[start : start + batch_size]
        span = report.span(start / len(todo), min(1.0, (start + len(idx)) / len(todo)))
        out = translator.translate_batch([prepared[i].text for i in idx], src, tgt, progress=span, cancel=token)
        translated.update(zip(idx, out, strict=False))
    if todo:
        batches = (len(todo) + batch_size - 1) // batch_size
        say(
            f"translated {len(todo)} cue(s) {src}→{tgt} with {translator.name} in "
            f"{time.perf_counter() - started:.2f} s ({batches} batch{'es' if batches > 1 else ''}; "
            f"{len(lines) - len(todo)} cue(s) had no text)"
        )
    result = []
    for i, (line, prep) in enumerate(zip(lines, prepared, strict=False)):
        if i not in translated:
            result.append(line.model_copy(update={"words": []}))
            continue
        if translated[i].strip() == prep.text:
            # Unchanged text (names, numbers, an identity pass) keeps the author's own markup and rows.
            text = prep.marked.source
        else:
            text = markup.apply_markup(prep.marked, wrap_balanced(translated[i], prep.rows))
        result.append(line.model_copy(update={"text": text, "words": []}))
    report(1.0, "translating")
    return result


def translate_texts(
    texts: list[str],
    tgt: str,
    src: str,
    *,
    backend: str = "auto",
    translator: Translator | None = None,
    offline: bool | None = None,
    cloud_base_url: str | None = None,
    cloud_model: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> list[str]:
    """Translate short free texts (clip titles, descriptions); line breaks inside a text are kept."""
    translator = translator or resolve_translator(
        backend, src, tgt, offline=offline, cloud_base_url=cloud_base_url, cloud_model=cloud_model, log=log
    )
    clean = ["\n".join(" ".join(row.split()) for row in (t or "").strip().splitlines()) for t in texts]
    return translator.translate_batch(clean, normalize_lang(src), normalize_lang(tgt), progress=progress, cancel=cancel)


# --- bilingual output --------------------------------------------------------------------------


def _plain(text: str) -> str:
    return markup.strip_tags(text.replace("\\N", "\n")).strip()


def bilingual_stacked(original: list[SubtitleLine], translated: list[SubtitleLine]) -> list[SubtitleLine]:
    """One cue per original cue: the original rows, then the translation rows below them.

    Tags are kept on both. The translation row starts with ``{\\r}`` (back to the cue's
    style) when the original has tags, so styling left open at the end of the original
    does not leak into it, and it drops the event-level overrides (position, fade,
    karaoke timing) that only count once per cue.
    """
    _check_same_cues(original, translated)
    out = []
    for o, t in zip(original, translated, strict=False):
        o_text, t_text = o.text.strip(), t.text.strip()
        if not _plain(t_text) or t_text == o_text or markup.is_drawing(o_text):
            text = o_text  # nothing (new) to show below
        elif not _plain(o_text):
            text = t_text
        else:
            second = markup.drop_overrides(t_text, markup.EVENT_LEVEL)
            text = o_text + "\n" + ("{\\r}" if markup.has_tags(o_text) else "") + second
        out.append(o.model_copy(update={"text": text, "words": []}))
    return out


def bilingual_ass(
    original: list[SubtitleLine],
    translated: list[SubtitleLine],
    *,
    width: int = 1920,
    height: int = 1080,
    font: str = "Arial",
    translation_position: Literal["above", "top"] = "above",
):
    """A two-track ``pysubs2.SSAFile``: original at the bottom, the translation smaller and yellow,
    stacked just above it (or at the top of the frame). Inline styling (bold, italic, colour,
    karaoke…) is kept; overrides that would move or resize text out of this layout are dropped,
    and so are vector drawings."""
    import pysubs2

    _check_same_cues(original, translated)
    size = max(16, round(height * 0.055))
    small = max(12, round(size * 0.78))
    margin = round(height * 0.05)
    subs = pysubs2.SSAFile()
    subs.info.update(
        {"PlayResX": str(width), "PlayResY": str(height), "WrapStyle": "0", "ScaledBorderAndShadow": "yes"}
    )
    subs.styles["Original"] = pysubs2.SSAStyle(
        fontname=font,
        fontsize=size,
        primarycolor=pysubs2.Color(255, 255, 255),
        outlinecolor=pysubs2.Color(0, 0, 0),
        backcolor=pysubs2.Color(0, 0, 0, 128),
        bold=True,
        outline=max(1, size / 16),
        shadow=0,
        alignment=pysubs2.Alignment.BOTTOM_CENTER,
        marginv=margin,
    )
    max_rows = max((len(_plain(o.text).split("\n")) for o in original if _plain(o.text)), default=1)
    above = margin + round(size * 1.25 * max_rows) + round(size * 0.2)
    subs.styles["Translation"] = pysubs2.SSAStyle(
        fontname=font,
        fontsize=small,
        primarycolor=pysubs2.Color(255, 221, 64),
        outlinecolor=pysubs2.Color(0, 0, 0),
        backcolor=pysubs2.Color(0, 0, 0, 128),
        bold=False,
        italic=False,
        outline=max(1, small / 16),
        shadow=0,
        alignment=pysubs2.Alignment.BOTTOM_CENTER if translation_position == "above" else pysubs2.Alignment.TOP_CENTER,
        marginv=above if translation_position == "above" else margin,
    )
    for o, t in zip(original, translated, strict=False):
        if markup.is_drawing(o.text):
            continue
        start, end = round(o.start * 1000), round(o.end * 1000)
        for style, text in (("Original", o.text), ("Translation", t.text)):
            if _plain(text):
                kept = markup.drop_overrides(text.strip(), markup.TWO_TRACK_DROP)
                subs.events.append(pysubs2.SSAEvent(start=start, end=end, style=style, text=kept.replace("\n", "\\N")))
    return subs


def bilingual(original: list[SubtitleLine], translated: list[SubtitleLine], mode: BilingualMode = "stacked", **kw):
    """``"stacked"`` → ``list[SubtitleLine]`` (for SRT/VTT); ``"two_track"`` → a ``pysubs2.SSAFile``."""
    if mode == "stacked":
        return bilingual_stacked(original, translated)
    if mode == "two_track":
        return bilingual_ass(original, translated, **kw)
    raise InvalidParameterError(f'Unknown bilingual mode "{mode}": use stacked or two_track.')


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

    def output_files(self) -> list[tuple[Path, str]]:
        """The files written (translation, then the bilingual file if any), kind = format."""
        return [(path, path.suffix.lstrip(".").lower()) for path in self.outputs]


_FORMATS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ssa", ".sub": "microdvd", ".json": "json"}


def _load_subs(path: Path):
    from ..subtitles.encoding import load_ssafile

    return load_ssafile(path)


def _event_lines(subs) -> tuple[list[int], list[SubtitleLine]]:
    """Dialogue events (comments skipped) as SubtitleLines; text keeps its ASS tags."""
    idx, lines = [], []
    for i, ev in enumerate(subs.events):
        if ev.is_comment:
            continue
        idx.append(i)
        lines.append(
            SubtitleLine(
                start=ev.start / 1000,
                end=max(ev.start, ev.end) / 1000,
                text=ev.text.replace("\\N", "\n").replace("\\n", "\n"),
            )
        )
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
    cloud_base_url: str | None = None,
    cloud_model: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> TranslationResult:
    """Translate a subtitle file; writes ``<name>.<tgt>.<ext>`` (and a bilingual file if asked)
    into ``outputs_dir()`` unless ``out`` names the translated file.

    ``backend``: ``auto`` (argos → apertium → cloud), ``argos``, ``apertium`` or ``cloud``.
    ``cloud_base_url``/``cloud_model`` override the cloud endpoint of the engine settings for
    this call; there is deliberately no API-key parameter (job parameters are stored and
    shown): the key is read from the settings. ``offline=True`` forbids the network; offline
    mode in the settings always wins. All files appear together or not at all.
    """
    path = Path(path)
    say = log or _quiet
    if not path.is_file():
        raise InputNotFoundError(f"The subtitle file {path} does not exist.")
    tgt = normalize_lang(tgt)
    src = normalize_lang(src) if src else detect_source_language(path)
    if not src:
        raise InvalidParameterError(f"The language of {path.name} is unknown: say which language it is in (--from).")
    if src == tgt:
        raise InvalidParameterError(f"{path.name} is already in {language_name(tgt)}.")
    mode: BilingualMode | None = ("stacked" if bilingual is True else bilingual) or None
    if mode not in (None, "stacked", "two_track"):
        raise InvalidParameterError(f'Unknown bilingual mode "{bilingual}": use stacked or two_track.')
    suffix = path.suffix.lower() if path.suffix.lower() in _FORMATS else ".srt"
    out_path = Path(out) if out else _default_out(path, tgt, suffix)
    fmt = _FORMATS.get(out_path.suffix.lower())
    if fmt is None:
        raise InvalidParameterError(
            f"Cannot write subtitles as {out_path.suffix or 'a file without extension'}: use .srt, .vtt or .ass."
        )
    report = as_progress(progress)
    token = as_token(cancel)

    subs = _load_subs(path)
    idx, lines = _event_lines(subs)
    translator = translator or resolve_translator(
        backend, src, tgt, offline=offline, cloud_base_url=cloud_base_url, cloud_model=cloud_model, log=log
    )
    report(0.02, "translating")
    translated = translate_lines(
        lines, translator, src, tgt, batch_size=batch_size, progress=report.span(0.02, 0.95), cancel=token, log=log
    )
    token.raise_if_cancelled()

    files: list[tuple[Path, pysubs2.SSAFile, str]] = []
    tr_subs = copy.deepcopy(subs)
    for i, line in zip(idx, translated, strict=False):
        tr_subs.events[i].text = line.text.replace("\n", "\\N")
    files.append((out_path, tr_subs, fmt))
    bi_path = None
    if mode == "stacked":
        bi = copy.deepcopy(subs)
        for i, line in zip(idx, bilingual_stacked(lines, translated), strict=False):
            bi.events[i].text = line.text.replace("\n", "\\N")
        bi_path = out_path.with_name(f"{_stem_without_lang(out_path)}.{src}-{tgt}{out_path.suffix}")
        files.append((bi_path, bi, fmt))
    elif mode == "two_track":
        width = int(subs.info.get("PlayResX") or 1920)
        height = int(subs.info.get("PlayResY") or 1080)
        bi_path = out_path.with_name(f"{_stem_without_lang(out_path)}.{src}-{tgt}.ass")
        files.append((bi_path, bilingual_ass(lines, translated, width=width, height=height), "ass"))
    if path.resolve() in {f.resolve() for f, _, _ in files}:
        raise InvalidParameterError(
            f"The translation would overwrite the source file {path.name}; choose another output name."
        )
    _save_all(files, report.span(0.95, 1.0), token)
    for written, _, _ in files:
        say(f"wrote {written}")
    report(1.0, "translated")
    return TranslationResult(
        outputs=[f for f, _, _ in files],
        translated=out_path,
        bilingual=bi_path,
        backend=translator.name,
        src=src,
        tgt=tgt,
        cues=len(lines),
    )


def split_targets(targets: str | list[str]) -> list[str]:
    """``"es, fr,de"`` or a list → normalised codes in order, each once."""
    items = targets.split(",") if isinstance(targets, str) else list(targets)
    out: list[str] = []
    for item in items:
        code = normalize_lang(str(item).strip()) if str(item).strip() else ""
        if code and code not in out:
            out.append(code)
    if not out:
        raise InvalidParameterError("Choose at least one target language.")
    return out


def translate_subtitle_file_many(
    path: str | os.PathLike,
    targets: str | list[str],
    src: str | None = None,
    *,
    out_dir: str | os.PathLike | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
    **options: Any,
) -> list[TranslationResult]:
    """Translate one subtitle file into several languages in one go: one set of files per
    language (``<name>.<lang>.<ext>`` in ``out_dir``, default the outputs folder), each written
    all-or-nothing. The file is read and its source language found
    once; each language's translator is loaded once for all of its cues."""
    codes = split_targets(targets)
    if options.get("out") and len(codes) > 1:
        raise InvalidParameterError("One output path cannot hold several languages: leave the output name empty.")
    path = Path(path)
    out = options.pop("out", None)
    outs: dict[str, str | os.PathLike | None] = dict.fromkeys(codes, out)
    if out_dir is not None and not out:
        suffix = path.suffix.lower() if path.suffix.lower() in _FORMATS else ".srt"
        outs = {tgt: Path(out_dir) / f"{_stem_without_lang(path)}.{tgt}{suffix}" for tgt in codes}
    if not path.is_file():
        raise InputNotFoundError(f"The subtitle file {path} does not exist.")
    src = normalize_lang(src) if src else detect_source_language(path)
    report, token = as_progress(progress), as_token(cancel)
    results = []
    for index, tgt in enumerate(codes):
        token.raise_if_cancelled()
        span = report.span(index / len(codes), (index + 1) / len(codes), f"{language_name(tgt)}")
        results.append(
            translate_subtitle_file(path, tgt, src, out=outs[tgt], progress=span, cancel=token, log=log, **options)
        )
    return results


def _stem_without_lang(path: Path) -> str:
    return re.sub(r"\.[a-z]{2}(?:[-_][A-Za-z]{2})?$", "", path.stem)


def _save_all(files: list[tuple[Path, pysubs2.SSAFile, str]], report, token: CancelToken) -> None:
    """Write every file to a temporary sibling, then rename them all: all files or none."""
    temps: list[tuple[Path, Path]] = []
    current: Path | None = None
    try:
        for n, (final, subs, fmt) in enumerate(files):
            token.raise_if_cancelled()
            report(n / len(files), f"writing {final.name}")
            current = final
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_path_for(final)
            temps.append((tmp, final))
            subs.save(str(tmp), encoding="utf-8", format_=fmt)
        token.raise_if_cancelled()
        for tmp, final in list(temps):
            current = final
            os.replace(tmp, final)
            temps.remove((tmp, final))
    except OSError as exc:
        mapped = error_from_oserror(exc, current)
        if mapped is not None:
            raise mapped from exc
        raise
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
