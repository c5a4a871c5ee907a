"""Script-aware text helpers: how words join and how wide a text is.

Whisper gives one token per word for spaced languages but one token per character
(or a few characters) for Chinese, Japanese and Thai. Joining those with spaces
would put a space between every character, and measuring them as "words" would make
line limits meaningless, so every word is classified by the script of its letters.
"""

from __future__ import annotations

import unicodedata

# Scripts written without spaces between words (code point ranges).
_SPACELESS_RANGES = (
    (0x0E00, 0x0E7F),  # Thai
    (0x0E80, 0x0EFF),  # Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。「」)
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # Full-width forms (，！？ and full-width Latin)
    (0x20000, 0x3134F),  # CJK extensions B–G
)

SENTENCE_END = frozenset(".!?…。！？‼⁇⁈⁉")
CLAUSE_END = frozenset(",;:–—，、；：")
#: Closing quotes/brackets that may follow the punctuation that really ends a word.
_TRAILING_CLOSERS = "\"'”’»)]}」』）】"


def is_spaceless_char(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _SPACELESS_RANGES)


def is_spaceless(text: str) -> bool:
    """True when most letters of ``text`` belong to a script written without spaces."""
    letters = [ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P")]
    if not letters:
        letters = [ch for ch in text if not ch.isspace()]
    if not letters:
        return False
    return sum(is_spaceless_char(ch) for ch in letters) * 2 > len(letters)


def needs_space(left: str, right: str) -> bool:
    """Whether a space goes between two adjacent words.

    No space when either side of the junction is in a spaceless script ("我" + "们",
    "用" + "iPhone"), or when the right word starts with punctuation that clings to
    the word before it.
    """
    if not left or not right:
        return False
    a, b = left[-1], right[0]
    if is_spaceless_char(a) or is_spaceless_char(b):
        return False
    return not (b in ",.;:!?…%)]}”’»" and not right[1:2].isalnum())


def join_words(texts: list[str]) -> str:
    out = ""
    for text in texts:
        text = text.strip()
        if not text:
            continue
        out = f"{out} {text}" if out and needs_space(out, text) else out + text
    return out


def text_width(text: str) -> int:
    """Length in characters, ignoring combining marks (Thai vowel signs, accents) that take no column."""
    return sum(1 for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


def _core(text: str) -> str:
    return text.rstrip().rstrip(_TRAILING_CLOSERS)


def ends_sentence(text: str) -> bool:
    core = _core(text)
    return bool(core) and core[-1] in SENTENCE_END


def ends_clause(text: str) -> bool:
    core = _core(text)
    return bool(core) and core[-1] in CLAUSE_END
