"""ASS override tags (``{\\b1}``, ``{\\c&H00FFFF&}``, ``{\\k20}``…) around translation.

Translators never see tags: rule-based and neural engines reorder, merge and drop words,
and would mangle or lose markup (Apertium's own HTML mode, tried here, moves tags by word
position too and can leave them around empty spans). So a cue is split into plain text
plus tags anchored at *word boundaries*, and after translation each tag is put back at
the same relative boundary of the translated words: leading tags stay leading, trailing
tags stay trailing, inline tags keep their order and land at the proportional word
(a bold word in the middle of a cue becomes a bold word near the middle of the
translation — not always the same word, but never lost and never unbalanced).

Row breaks (``\\N``) are handled by the caller: a multi-row cue is translated as one
sentence and re-wrapped to the same number of rows; tags follow their words across rows.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

_BLOCK = re.compile(r"\{[^{}]*\}")
#: ``\p1``…``\p9`` switch an event to vector drawing: its "text" is shape commands, not words.
_DRAWING = re.compile(r"\\p[1-9]")
#: Override names, longest first so ``\fscx`` is not read as ``\fs`` nor ``\alpha`` as ``\a``.
_NAMES = sorted(
    [
        "alpha",
        "iclip",
        "xbord",
        "ybord",
        "xshad",
        "yshad",
        "fscx",
        "fscy",
        "blur",
        "bord",
        "clip",
        "fade",
        "move",
        "shad",
        "fsp",
        "fax",
        "fay",
        "frx",
        "fry",
        "frz",
        "pbo",
        "pos",
        "org",
        "an",
        "be",
        "fad",
        "fe",
        "fn",
        "fr",
        "fs",
        "kf",
        "ko",
        "1c",
        "2c",
        "3c",
        "4c",
        "1a",
        "2a",
        "3a",
        "4a",
        "a",
        "b",
        "c",
        "i",
        "k",
        "K",
        "p",
        "q",
        "r",
        "s",
        "t",
        "u",
    ],
    key=len,
    reverse=True,
)

#: Overrides that position or time a whole event: libass honours only their first
#: occurrence, so a second copy (in a stacked translation row) is noise or, for
#: karaoke, wrong (the row's syllable timings would start after the original row's).
EVENT_LEVEL = frozenset({"an", "a", "pos", "move", "org", "clip", "iclip", "fad", "fade", "k", "K", "kf", "ko"})
#: What the two-track bilingual file drops on top: its own styles set size and place.
TWO_TRACK_DROP = EVENT_LEVEL - {"k", "K", "kf", "ko"} | {"fs", "fscx", "fscy", "p", "pbo", "r"}


class Anchor(BaseModel):
    """Tag blocks found between the same two words."""

    tags: str
    #: Source words before the tags.
    word: int
    #: True when the tags touched the end of the previous word (``bold{\\b0} rest``), so they
    #: are re-attached there rather than to the start of the next word.
    glue_prev: bool = False


class Marked(BaseModel):
    """A cue split for translation."""

    source: str
    #: Plain text with its rows (``\\n``), no tags.
    plain: str
    anchors: list[Anchor]
    drawing: bool = False

    @property
    def words(self) -> int:
        return len(self.plain.split())


def has_tags(text: str) -> bool:
    return bool(_BLOCK.search(text))


def split_markup(text: str) -> Marked:
    """``text`` (``\\N``/``\\n`` already or still as escapes) as plain text + tag anchors."""
    text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
    plain = ""
    anchors: list[Anchor] = []
    pos = 0
    for m in _BLOCK.finditer(text):
        between = text[pos : m.start()]
        plain += between
        if anchors and pos and not between:  # blocks written back to back share one anchor
            anchors[-1] = anchors[-1].model_copy(update={"tags": anchors[-1].tags + m.group(0)})
        else:
            anchors.append(
                Anchor(tags=m.group(0), word=len(plain.split()), glue_prev=bool(plain) and not plain[-1].isspace())
            )
        pos = m.end()
    plain += text[pos:]
    drawing = any(_DRAWING.search(a.tags) for a in anchors)
    return Marked(source=text, plain=plain, anchors=anchors, drawing=drawing)


def place_anchors(anchors: list[Anchor], source_words: int, target_words: int) -> list[tuple[int, Anchor]]:
    """Target word boundary (0..target_words) for each anchor, order kept.

    Boundary 0 and the last boundary stay reserved for leading/trailing tags so inline
    tags stay inline; distinct source boundaries stay distinct while the target has room,
    so a ``{\\b1}word{\\b0}`` pair keeps a word between its tags.
    """
    n, m = source_words, target_words
    placed: list[tuple[int, Anchor]] = []
    prev_j, prev_k = -1, -1
    for a in anchors:
        k = a.word
        if k <= 0 or n == 0:
            j = 0
        elif k >= n:
            j = m
        else:
            j = round(k * m / n)
            lo, hi = (1, m - 1) if m >= 2 else (0, m)
            j = min(max(j, lo), hi)
            if k > prev_k and j <= prev_j and prev_j + 1 <= hi:
                j = prev_j + 1
        j = max(j, prev_j)  # never before an earlier tag
        placed.append((j, a))
        prev_j, prev_k = j, k
    return placed


def apply_markup(marked: Marked, translated: str) -> str:
    """``translated`` (plain, rows as ``\\n``) with ``marked``'s tags put back."""
    rows = [r.split() for r in translated.split("\n")]
    words = [w for row in rows for w in row]
    breaks: set[int] = set()
    at = 0
    for row in rows[:-1]:
        at += len(row)
        breaks.add(at)
    by_boundary: dict[int, list[Anchor]] = {}
    for j, a in place_anchors(marked.anchors, marked.words, len(words)):
        by_boundary.setdefault(j, []).append(a)
    parts: list[str] = []
    for i, word in enumerate(words):
        sep = "" if i == 0 else ("\n" if i in breaks else " ")
        here = by_boundary.get(i, [])
        tags = "".join(a.tags for a in here)
        if here and i > 0 and all(a.glue_prev for a in here):
            parts.append(tags + sep + word)
        else:
            parts.append(sep + tags + word)
    parts.append("".join(a.tags for a in by_boundary.get(len(words), [])))
    return "".join(parts)


def _overrides(inner: str) -> list[str]:
    """The pieces of one ``{…}`` block: ``\\name+args`` items (``\\t(…\\b1)`` kept whole) and comments."""
    items: list[str] = []
    cur, depth = "", 0
    for ch in inner:
        if ch == "\\" and depth == 0 and cur:
            items.append(cur)
            cur = ""
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        cur += ch
    if cur:
        items.append(cur)
    return items


def override_name(item: str) -> str | None:
    if not item.startswith("\\"):
        return None
    return next((n for n in _NAMES if item.startswith(n, 1)), None)


def drop_overrides(text: str, names: frozenset[str] | set[str]) -> str:
    """``text`` without the overrides called ``names`` (and without blocks left empty)."""

    def filt(m: re.Match) -> str:
        kept = [it for it in _overrides(m.group(0)[1:-1]) if override_name(it) not in names]
        kept = [it for it in kept if it.startswith("\\")]  # comments go too: they are notes, not styling
        return "{" + "".join(kept) + "}" if kept else ""

    return _BLOCK.sub(filt, text)


def strip_tags(text: str) -> str:
    return _BLOCK.sub("", text)


def is_drawing(text: str) -> bool:
    return any(_DRAWING.search(m.group(0)) for m in _BLOCK.finditer(text))
