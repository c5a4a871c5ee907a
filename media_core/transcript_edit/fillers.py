"""Filler words per language, and finding them (also as phrases) in a transcript.

The lists are deliberately short: each entry is something a speaker almost never means
("um", "euh"). Words that are fillers only sometimes ("like", "so", "genre") are left to
the user, who adds them to the list or picks them in the transcript.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..models import Word

DEFAULT_FILLERS: dict[str, list[str]] = {
    "en": ["um", "umm", "uh", "uhm", "uh-huh", "erm", "er", "ah", "hmm", "mm", "you know", "i mean"],
    "es": ["eh", "em", "este", "o sea", "mmm"],
    "fr": ["euh", "heu", "bah", "ben", "hein", "hum"],
    "de": ["äh", "ähm", "öh", "hm", "halt so"],
    "it": ["ehm", "eh", "cioè", "tipo"],
    "pt": ["é", "hum", "tipo", "né"],
    "nl": ["eh", "ehm", "uh", "nou"],
}

_WORD = re.compile(r"[^\w'-]+", re.UNICODE)


def normalise(text: str) -> str:
    """``" Um,"`` → ``"um"``: what a filler list entry is compared with."""
    return _WORD.sub(" ", text.lower()).strip()


def fillers_for(language: str | None, extra: Iterable[str] = ()) -> list[str]:
    base = DEFAULT_FILLERS.get((language or "en").split("-")[0].lower(), DEFAULT_FILLERS["en"])
    out: list[str] = []
    for entry in [*base, *extra]:
        entry = normalise(entry)
        if entry and entry not in out:
            out.append(entry)
    return out


def find_fillers(words: Sequence[Word], fillers: Iterable[str]) -> list[int]:
    """Indices of the words that make up a filler; phrases ("you know") match word runs."""
    phrases = sorted({tuple(normalise(f).split()) for f in fillers if normalise(f)}, key=len, reverse=True)
    tokens = [normalise(w.text) for w in words]
    hits: list[int] = []
    i = 0
    while i < len(tokens):
        for phrase in phrases:
            n = len(phrase)
            if tuple(" ".join(tokens[i : i + n]).split()) == phrase and all(tokens[i : i + n]):
                hits.extend(range(i, i + n))
                i += n
                break
        else:
            i += 1
    return hits
