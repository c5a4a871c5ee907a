"""Subtitles: words → readable cues (grouping), files (formats) and timing fixes."""

from __future__ import annotations

from .formats import (
    FORMATS,
    format_for_path,
    read_subtitles,
    subtitles_to_string,
    transcript_json,
    transcript_text,
    write_subtitles,
)
from .grouping import GroupingOptions, group_words, lines_text
from .text import is_spaceless, join_words, text_width
from .timing import fit_two_points, framerate_scale, retime_lines, shift_lines

__all__ = [
    "FORMATS",
    "GroupingOptions",
    "fit_two_points",
    "format_for_path",
    "framerate_scale",
    "group_words",
    "is_spaceless",
    "join_words",
    "lines_text",
    "read_subtitles",
    "retime_lines",
    "shift_lines",
    "subtitles_to_string",
    "text_width",
    "transcript_json",
    "transcript_text",
    "write_subtitles",
]
