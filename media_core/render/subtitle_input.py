"""Turn a subtitle request into the ``ass=`` / ``subtitles=`` filter of a render.

Timing: a render that starts at ``trim.start`` seeks the input, so the clip's clock
starts at 0. Rather than ``-copyts`` games (which break with ``-ss`` before ``-i`` and
with several inputs), the cues are shifted to clip time and written to a temporary
ASS file in the job's work folder. A file that needs no change is used in place,
with its path escaped for the filtergraph.
"""

from __future__ import annotations

import os
from pathlib import Path

import pysubs2
from pydantic import BaseModel, field_validator, model_validator

from ..errors import InputNotFoundError, InvalidParameterError, SubtitleFormatError
from ..models import SubtitleLine, Word
from ..styles import SubtitleStyle, build_ass, fonts_dir, get_preset
from ..subtitles.encoding import load_ssafile, read_subtitle_text
from .escape import filter_path

SUBTITLE_SUFFIXES = (".ass", ".ssa", ".srt", ".vtt")


class SubtitleSpec(BaseModel):
    """Captions to burn: a subtitle file, or lines (+ style) turned into ASS by the style engine."""

    path: Path | None = None
    lines: list[SubtitleLine] | None = None
    #: With ``path`` it restyles the file's cues. A preset name is accepted too (job params, CLI).
    style: SubtitleStyle | None = None
    #: Fonts for libass; ``None`` = the bundled fonts (media_core.styles.fonts_dir()).
    fonts_dir: Path | None = None

    @field_validator("style", mode="before")
    @classmethod
    def _preset_name(cls, value):
        return get_preset(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_source(self) -> SubtitleSpec:
        if (self.path is None) == (self.lines is None):
            raise ValueError("give either a subtitle file (path) or subtitle lines, not both")
        return self


def _load(path: Path) -> pysubs2.SSAFile:
    if not path.exists():
        raise InputNotFoundError(f"Subtitle file not found: {path}")
    if path.suffix.lower() not in SUBTITLE_SUFFIXES:
        raise SubtitleFormatError(f"{path.name} is not a subtitle file Reframe can burn (.srt, .vtt, .ass).")
    subs = load_ssafile(path)
    if not any(not e.is_comment and e.plaintext.strip() for e in subs.events):
        raise SubtitleFormatError(f"{path.name} contains no subtitle cues.")
    return subs


def _lines_from_file(subs: pysubs2.SSAFile) -> list[SubtitleLine]:
    return [
        SubtitleLine(start=e.start / 1000, end=e.end / 1000, text=e.plaintext)
        for e in subs.events
        if not e.is_comment and e.plaintext.strip()
    ]


def shift_to_clip(lines: list[SubtitleLine], start: float, end: float | None) -> list[SubtitleLine]:
    """Cues (and their words) moved to clip time; cues outside the clip dropped, edges clamped."""
    out: list[SubtitleLine] = []
    for line in lines:
        if line.end <= start or (end is not None and line.start >= end):
            continue
        limit = (end - start) if end is not None else None

        def clamp(t: float, limit: float | None = limit) -> float:
            t = max(0.0, t - start)
            return min(t, limit) if limit is not None else t

        words = [
            Word(**{**w.model_dump(), "start": clamp(w.start), "end": clamp(w.end)})
            for w in line.words
            if w.end > start and (end is None or w.start < end)
        ]
        out.append(line.model_copy(update={"start": clamp(line.start), "end": clamp(line.end), "words": words}))
    return out


def _fonts_dir(spec: SubtitleSpec) -> Path | None:
    if spec.fonts_dir is not None:
        return spec.fonts_dir
    folder = fonts_dir()
    return folder if folder.is_dir() else None


def subtitle_filter(
    spec: SubtitleSpec, *, start: float, end: float | None, width: int, height: int, work_dir: Path
) -> str:
    """The filter (without labels) that draws ``spec`` onto a ``width`` x ``height`` clip."""
    fonts = _fonts_dir(spec)
    fonts_opt = f":fontsdir={filter_path(fonts)}" if fonts is not None else ""
    style = spec.style
    if spec.lines is None and spec.path is None:
        raise InvalidParameterError("The captions have neither lines nor a subtitle file.")
    if spec.lines is not None or style is not None:
        lines = spec.lines if spec.lines is not None else _lines_from_file(_load(Path(str(spec.path))))
        style = style if style is not None else SubtitleStyle()
        ass_text = build_ass(shift_to_clip(lines, start, end), style, width, height)
        target = work_dir / "captions.ass"
        target.write_text(ass_text, encoding="utf-8")
        return f"ass=filename={filter_path(target)}{fonts_opt}"
    path = Path(str(spec.path))
    subs = _load(path)  # validates the file even when it is used in place
    text, encoding = read_subtitle_text(path)
    as_read = text if encoding in ("utf-8", "ascii") and text == path.read_bytes().decode("utf-8") else None
    if as_read is None and not (start > 0 or end is not None):
        # libass reads UTF-8 only, and would show a broken SRT block as text: a Windows-1252,
        # UTF-16 or repaired file is burned from a clean UTF-8 copy.
        target = work_dir / f"captions{path.suffix.lower()}"
        target.write_text(text, encoding="utf-8")
        path = target
    elif start > 0 or end is not None:
        subs.shift(ms=-round(start * 1000))
        subs.events = [e for e in subs.events if e.end > 0]
        for e in subs.events:
            e.start = max(0, e.start)
        target = work_dir / "captions.ass"
        subs.save(str(target), encoding="utf-8", format_="ass")
        path = target
    return f"subtitles=filename={filter_path(path)}{fonts_opt}"


def is_subtitle_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in SUBTITLE_SUFFIXES
