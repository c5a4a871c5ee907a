"""Tables of (value, label) pairs shown in combo boxes, translatable.

Each label is marked with ``QT_TRANSLATE_NOOP`` so ``pyside6-lupdate`` puts it in the
translation template under the "Labels" context; ``fill_combo`` shows it translated.
The values are what the engine takes (media_core request fields)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CONTEXT = "Labels"

#: Speech languages (media_core.captions.CaptionsRequest.language; "auto" = detect).
LANGUAGES = [
    ("auto", QT_TRANSLATE_NOOP("Labels", "Detect automatically")),
    ("en", QT_TRANSLATE_NOOP("Labels", "English")),
    ("es", QT_TRANSLATE_NOOP("Labels", "Spanish")),
    ("fr", QT_TRANSLATE_NOOP("Labels", "French")),
    ("de", QT_TRANSLATE_NOOP("Labels", "German")),
    ("it", QT_TRANSLATE_NOOP("Labels", "Italian")),
    ("pt", QT_TRANSLATE_NOOP("Labels", "Portuguese")),
    ("nl", QT_TRANSLATE_NOOP("Labels", "Dutch")),
    ("ja", QT_TRANSLATE_NOOP("Labels", "Japanese")),
    ("zh", QT_TRANSLATE_NOOP("Labels", "Chinese")),
    ("ko", QT_TRANSLATE_NOOP("Labels", "Korean")),
    ("ru", QT_TRANSLATE_NOOP("Labels", "Russian")),
    ("ar", QT_TRANSLATE_NOOP("Labels", "Arabic")),
    ("hi", QT_TRANSLATE_NOOP("Labels", "Hindi")),
    ("pl", QT_TRANSLATE_NOOP("Labels", "Polish")),
    ("tr", QT_TRANSLATE_NOOP("Labels", "Turkish")),
]
#: Translation targets; the first row ("" = none) is left out where a target is required.
TRANSLATE_TARGETS = [
    ("", QT_TRANSLATE_NOOP("Labels", "No translation")),
    ("es", QT_TRANSLATE_NOOP("Labels", "Spanish")),
    ("en", QT_TRANSLATE_NOOP("Labels", "English")),
    ("fr", QT_TRANSLATE_NOOP("Labels", "French")),
    ("de", QT_TRANSLATE_NOOP("Labels", "German")),
    ("it", QT_TRANSLATE_NOOP("Labels", "Italian")),
    ("pt", QT_TRANSLATE_NOOP("Labels", "Portuguese")),
    ("ca", QT_TRANSLATE_NOOP("Labels", "Catalan")),
    ("gl", QT_TRANSLATE_NOOP("Labels", "Galician")),
]
#: media_core.shorts.ShortsRequest.aspect (and the cut page's, where "" keeps the frame).
ASPECTS = [
    ("9:16", QT_TRANSLATE_NOOP("Labels", "9:16 vertical")),
    ("1:1", QT_TRANSLATE_NOOP("Labels", "1:1 square")),
    ("4:5", QT_TRANSLATE_NOOP("Labels", "4:5 portrait")),
    ("16:9", QT_TRANSLATE_NOOP("Labels", "16:9 landscape")),
]
KEEP_ASPECT = ("", QT_TRANSLATE_NOOP("Labels", "Keep"))
#: media_core.shorts.ShortsRequest.strategy.
STRATEGIES = [
    ("crop", QT_TRANSLATE_NOOP("Labels", "Crop at the centre of interest")),
    ("blur_bg", QT_TRANSLATE_NOOP("Labels", "Blurred background")),
    ("pad", QT_TRANSLATE_NOOP("Labels", "Pad with bars")),
]
#: ShortsRequest.output_height: the frame height (the width follows the aspect).
QUALITIES = [
    (1920, QT_TRANSLATE_NOOP("Labels", "Full HD (1080 wide for 9:16)")),
    (1280, QT_TRANSLATE_NOOP("Labels", "HD (720 wide for 9:16)")),
    (640, QT_TRANSLATE_NOOP("Labels", "Draft (fast, 360 wide for 9:16)")),
]
#: media_core.styles.SubtitleStyle.position.
POSITIONS = [
    ("bottom", QT_TRANSLATE_NOOP("Labels", "Bottom")),
    ("middle", QT_TRANSLATE_NOOP("Labels", "Middle")),
    ("top", QT_TRANSLATE_NOOP("Labels", "Top")),
]
#: media_core.styles.HIGHLIGHT_MODES with readable names.
HIGHLIGHTS = [
    ("none", QT_TRANSLATE_NOOP("Labels", "No highlight")),
    ("color", QT_TRANSLATE_NOOP("Labels", "Colour the spoken word")),
    ("box", QT_TRANSLATE_NOOP("Labels", "Box behind the spoken word")),
    ("pop", QT_TRANSLATE_NOOP("Labels", "Pop the spoken word")),
    ("karaoke_fill", QT_TRANSLATE_NOOP("Labels", "Karaoke fill")),
    ("word_by_word", QT_TRANSLATE_NOOP("Labels", "One word at a time")),
]
#: Jobs tab date filter: days back (None = any time).
DATE_RANGES = [
    (None, QT_TRANSLATE_NOOP("Labels", "Any time")),
    (1, QT_TRANSLATE_NOOP("Labels", "Today")),
    (7, QT_TRANSLATE_NOOP("Labels", "Last 7 days")),
    (30, QT_TRANSLATE_NOOP("Labels", "Last 30 days")),
]
#: Jobs table column headers.
JOB_COLUMNS = (
    QT_TRANSLATE_NOOP("Labels", "Type"),
    QT_TRANSLATE_NOOP("Labels", "Input"),
    QT_TRANSLATE_NOOP("Labels", "Status"),
    QT_TRANSLATE_NOOP("Labels", "Progress"),
    QT_TRANSLATE_NOOP("Labels", "Created"),
    QT_TRANSLATE_NOOP("Labels", "Duration"),
)


def label(text: str) -> str:
    """``text`` (a label of one of these tables) in the UI language."""
    return QCoreApplication.translate(CONTEXT, text)


def fill_combo(combo, table: Iterable[tuple[Any, str]]) -> None:
    """Add each (value, label) row to ``combo``: the translated label shown, the value as data."""
    for value, text in table:
        combo.addItem(label(text), value)
