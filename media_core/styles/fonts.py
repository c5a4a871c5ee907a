"""The fonts Reframe ships for captions (``resources/fonts``) and what families they provide.

libass gets this folder as ``fontsdir`` so a style renders the same on every OS.
A family that is not here silently falls back to a system font inside libass, so
the UI and the presets check names against :func:`bundled_families` first.
Family names are read from the font files' own ``name`` tables (no extra
dependency), so adding a font is just dropping the TTF and its licence in the folder.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from pathlib import Path

from ..resources import resource

FONT_SUFFIXES = (".ttf", ".otf")


def fonts_dir() -> Path:
    """Folder to pass to libass as ``fontsdir`` (flat: libass does not recurse)."""
    return resource("fonts")


@dataclass(frozen=True)
class BundledFont:
    path: Path
    family: str
    subfamily: str
    #: The typographic family (name ID 16) when the file sets one, e.g. "Poppins" for "Poppins Black".
    typographic_family: str | None = None

    @property
    def is_bold(self) -> bool:
        return "bold" in self.subfamily.lower()


def _read_names(path: Path) -> dict[int, str]:
    """Name IDs 1, 2, 16 from a TrueType/OpenType file (Windows Unicode records preferred)."""
    data = path.read_bytes()
    if data[:4] == b"ttcf":
        (offset,) = struct.unpack(">I", data[12:16])  # first face of a collection
    else:
        offset = 0
    (num_tables,) = struct.unpack(">H", data[offset + 4 : offset + 6])
    name_offset = None
    for i in range(num_tables):
        rec = offset + 12 + 16 * i
        tag = data[rec : rec + 4]
        if tag == b"name":
            name_offset = struct.unpack(">I", data[rec + 8 : rec + 12])[0]
            break
    if name_offset is None:
        return {}
    _fmt, count, string_offset = struct.unpack(">HHH", data[name_offset : name_offset + 6])
    names: dict[int, tuple[int, str]] = {}
    for i in range(count):
        rec = name_offset + 6 + 12 * i
        platform, _encoding, language, name_id, length, str_off = struct.unpack(">HHHHHH", data[rec : rec + 12])
        if name_id not in (1, 2, 16):
            continue
        raw = data[name_offset + string_offset + str_off : name_offset + string_offset + str_off + length]
        if platform == 3 or platform == 0:
            text, rank = raw.decode("utf-16-be", "replace"), (2 if language in (0x409, 0) else 1)
        elif platform == 1:
            text, rank = raw.decode("mac_roman", "replace"), 0
        else:
            continue
        if name_id not in names or rank > names[name_id][0]:
            names[name_id] = (rank, text)
    return {k: v for k, (_, v) in names.items()}


@functools.lru_cache(maxsize=4)
def _scan(folder: str) -> tuple[BundledFont, ...]:
    fonts = []
    for path in sorted(Path(folder).glob("*")):
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        try:
            names = _read_names(path)
        except (OSError, struct.error):
            continue  # an unreadable file is simply not offered
        if 1 in names:
            fonts.append(BundledFont(path, names[1], names.get(2, "Regular"), names.get(16)))
    return tuple(fonts)


def bundled_fonts() -> list[BundledFont]:
    return list(_scan(str(fonts_dir())))


def bundled_families() -> list[str]:
    """Family names a style can use and be sure libass finds (sorted, unique)."""
    return sorted({f.family for f in bundled_fonts()})


def find_bundled(family: str) -> list[BundledFont]:
    key = family.strip().lower()
    return [f for f in bundled_fonts() if f.family.lower() == key]


def is_family_available(family: str) -> bool:
    """True when ``family`` is one of the bundled fonts (system fonts are not relied on)."""
    return bool(find_bundled(family))


def has_bold_face(family: str) -> bool:
    return any(f.is_bold for f in find_bundled(family))


def has_regular_face(family: str) -> bool:
    return any(not f.is_bold for f in find_bundled(family))
