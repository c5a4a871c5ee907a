"""Subtitle files in whatever encoding they were saved in, as text.

Old SRTs are very often Windows-1252 / Latin-1, Chinese ones GB18030, Japanese ones
Shift-JIS, and Windows tools like UTF-16. libass, pysubs2 and the translators want UTF-8,
so every subtitle reader goes through :func:`read_subtitle_text`: byte-order marks first,
then strict UTF-8, then ``charset-normalizer``'s detection. A file that is none of these
gets one clear error naming it.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from ..errors import InputNotFoundError, SubtitleFormatError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: The Western legacy code page most old subtitle files use. Short French or Spanish text
#: scores almost as well in Baltic or Central European code pages; when Windows-1252 is
#: about as plausible as the detector's first pick, it wins.
_WESTERN = "cp1252"
_WESTERN_SLACK = 0.1


_SRT_TIMING = re.compile(r"^\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}")


def drop_broken_srt_blocks(text: str) -> str:
    """An SRT without the blocks that have no valid timing line. A parser (pysubs2, ffmpeg)
    would otherwise glue a broken block's lines, index and bad timing included, onto the
    cue before it, and that garbage would be burned into the picture."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks = [b for b in blocks if b.strip()]
    kept = [b.strip("\n") for b in blocks if any(_SRT_TIMING.match(line) for line in b.splitlines())]
    if len(kept) == len(blocks):
        return text  # nothing broken: the file is used as it is
    return "\n\n".join(kept) + "\n" if kept else ""


def _is_srt(path: Path, text: str) -> bool:
    head = text.lstrip()[:200]
    if head.startswith(("WEBVTT", "{")) or "[Script Info]" in head:
        return False
    return path.suffix.lower() == ".srt" or any(_SRT_TIMING.match(line) for line in text.splitlines()[:20])


def detect_encoding(data: bytes) -> str | None:
    """Python codec name for ``data``, or ``None`` when it is not text in any known encoding."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    for match in matches:
        if _WESTERN in match.could_be_from_charset and match.chaos <= best.chaos + _WESTERN_SLACK:
            return _WESTERN
    return best.encoding


def read_subtitle_text(path: str | os.PathLike) -> tuple[str, str]:
    """``(text, encoding)`` of a subtitle file (SRT blocks without a valid timing line left out);
    raises a SubtitleFormatError naming the file when it is empty, binary, in no encoding that
    can be recognised, or an SRT without a single valid cue."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"Subtitle file not found: {path}")
    data = path.read_bytes()
    if not data.strip():
        raise SubtitleFormatError(f"{path.name} is empty: there are no subtitles in it.")
    encoding = detect_encoding(data)
    text = None
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            text = None
    if text is None or "\x00" in text:
        raise SubtitleFormatError(
            f"{path.name} could not be decoded as text: it is binary or in an unknown character encoding. "
            "Save it as UTF-8 and try again."
        )
    text = text.lstrip("\ufeff")
    if _is_srt(path, text):
        text = drop_broken_srt_blocks(text)
        if not text:
            raise SubtitleFormatError(f"{path.name} contains no subtitle cues (no line with a valid time).")
    return text, encoding or "utf-8"


def load_ssafile(path: str | os.PathLike):
    """A subtitle file (any encoding, any format pysubs2 reads) as a ``pysubs2.SSAFile``."""
    import pysubs2

    path = Path(path)
    text, _ = read_subtitle_text(path)
    try:
        return pysubs2.SSAFile.from_string(text)
    except Exception as exc:  # pysubs2 raises several unrelated types for unknown or garbled content
        raise SubtitleFormatError(
            f"{path.name} is not a subtitle file Reframe can read (SRT, VTT, ASS).", detail=repr(exc)
        ) from exc
