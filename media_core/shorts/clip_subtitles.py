"""Per-clip subtitles: the transcript's words inside a clip, shifted to clip time."""

from __future__ import annotations

import logging
from pathlib import Path

from ..models import SubtitleLine, Transcript, Word
from ..paths import write_text_atomic

log = logging.getLogger(__name__)


def clip_words(words: list[Word], start: float, end: float) -> list[Word]:
    """Words whose middle lies in [start, end], shifted so the clip starts at 0 and clamped to it."""
    out = []
    length = end - start
    for w in words:
        mid = (w.start + w.end) / 2
        if start <= mid <= end:
            s = min(max(0.0, w.start - start), length)
            e = min(max(s, w.end - start), length)
            out.append(w.model_copy(update={"start": round(s, 3), "end": round(e, 3)}))
    return out


def _fallback_grouping(words: list[Word], max_chars: int = 32, max_gap: float = 0.6) -> list[SubtitleLine]:
    # Only used while media_core.subtitles is not installed: short single-row cues.
    lines: list[SubtitleLine] = []
    current: list[Word] = []
    for w in words:
        text = " ".join(x.text.strip() for x in current + [w])
        if current and (len(text) > max_chars or w.start - current[-1].end > max_gap):
            lines.append(SubtitleLine(start=current[0].start, end=current[-1].end,
                                      text=" ".join(x.text.strip() for x in current), words=current))
            current = []
        current.append(w)
    if current:
        lines.append(SubtitleLine(start=current[0].start, end=current[-1].end,
                                  text=" ".join(x.text.strip() for x in current), words=current))
    return lines


def group_clip_words(words: list[Word], *, max_chars: int = 32) -> list[SubtitleLine]:
    """Subtitle lines for a vertical short (short lines suit a narrow frame)."""
    try:
        from ..subtitles.grouping import GroupingOptions, group_words
    except ImportError:
        log.info("media_core.subtitles.grouping is not available; using simple grouping")
        return _fallback_grouping(words, max_chars=max_chars)
    options = _grouping_options(GroupingOptions, max_chars)
    return group_words(words, options)


def _grouping_options(cls, max_chars: int):
    fields = getattr(cls, "model_fields", {})
    wanted = {"max_chars": max_chars, "max_chars_per_line": max_chars, "max_lines": 1, "lines": 1}
    return cls(**{k: v for k, v in wanted.items() if k in fields})


def slice_transcript(transcript: Transcript, start: float, end: float) -> list[SubtitleLine]:
    return group_clip_words(clip_words(transcript.words, start, end))


def write_srt(lines: list[SubtitleLine], path: str | Path) -> Path:
    import pysubs2

    subs = pysubs2.SSAFile()
    for line in lines:
        subs.append(pysubs2.SSAEvent(start=int(round(line.start * 1000)), end=int(round(line.end * 1000)),
                                     text=line.text.replace("\n", "\\N")))
    return write_text_atomic(path, subs.to_string("srt"))


def build_clip_ass(lines: list[SubtitleLine], style_name: str | None, width: int, height: int) -> str:
    """Styled ASS through media_core.styles (word highlight etc.); plain pysubs2 ASS if it is missing."""
    try:
        from ..styles import DEFAULT_PRESET, build_ass, get_preset
    except ImportError:
        log.info("media_core.styles is not available; writing a plain ASS")
        return _plain_ass(lines, width, height)
    return build_ass(lines, get_preset(style_name or DEFAULT_PRESET), width, height)


def _plain_ass(lines: list[SubtitleLine], width: int, height: int) -> str:
    import pysubs2

    subs = pysubs2.SSAFile()
    subs.info["PlayResX"], subs.info["PlayResY"] = str(width), str(height)
    style = subs.styles["Default"]
    style.fontsize = max(12, height // 22)
    style.bold = True
    style.outline = max(1, height // 400)
    style.alignment = pysubs2.Alignment.BOTTOM_CENTER
    style.marginv = height // 6
    for line in lines:
        subs.append(pysubs2.SSAEvent(start=int(round(line.start * 1000)), end=int(round(line.end * 1000)),
                                     text=line.text.replace("\n", "\\N")))
    return subs.to_string("ass")


def write_clip_subtitles(lines: list[SubtitleLine], srt_path: str | Path, ass_path: str | Path,
                         *, style: str | None, width: int, height: int) -> tuple[Path, Path]:
    srt = write_srt(lines, srt_path)
    ass = write_text_atomic(ass_path, build_clip_ass(lines, style, width, height))
    return srt, ass
