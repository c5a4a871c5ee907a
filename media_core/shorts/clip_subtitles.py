"""Per-clip subtitles: the transcript's words inside a clip, shifted to clip time."""

from __future__ import annotations

from pathlib import Path

import pysubs2

from ..models import SubtitleLine, Transcript, Word
from ..paths import write_text_atomic
from ..styles import DEFAULT_PRESET, SubtitleStyle, build_ass, get_preset
from ..subtitles.grouping import GroupingOptions, group_words


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


def group_clip_words(words: list[Word], *, max_chars: int = 32) -> list[SubtitleLine]:
    """Subtitle lines for a vertical short: one short row per cue suits a narrow frame."""
    return group_words(words, GroupingOptions(max_chars_per_line=max_chars, max_lines=1))


def slice_transcript(transcript: Transcript, start: float, end: float) -> list[SubtitleLine]:
    return group_clip_words(clip_words(transcript.words, start, end))


def write_srt(lines: list[SubtitleLine], path: str | Path) -> Path:
    subs = pysubs2.SSAFile()
    for line in lines:
        subs.append(
            pysubs2.SSAEvent(
                start=round(line.start * 1000), end=round(line.end * 1000), text=line.text.replace("\n", "\\N")
            )
        )
    return write_text_atomic(path, subs.to_string("srt"))


def clip_style(style: SubtitleStyle | str | None) -> SubtitleStyle:
    """A clip's caption style: its own, a preset by name, or the default preset."""
    if isinstance(style, SubtitleStyle):
        return style
    return get_preset(style or DEFAULT_PRESET)


def build_clip_ass(lines: list[SubtitleLine], style: SubtitleStyle | str | None, width: int, height: int) -> str:
    """Styled ASS (word highlight etc.) with the clip's style or the request's caption preset."""
    return build_ass(lines, clip_style(style), width, height)


def write_clip_subtitles(
    lines: list[SubtitleLine],
    srt_path: str | Path,
    ass_path: str | Path,
    *,
    style: SubtitleStyle | str | None,
    width: int,
    height: int,
) -> tuple[Path, Path]:
    srt = write_srt(lines, srt_path)
    ass = write_text_atomic(ass_path, build_clip_ass(lines, style, width, height))
    return srt, ass
