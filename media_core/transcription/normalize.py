"""Make every backend's output look the same.

Backends disagree on small things that matter downstream (subtitle grouping, word
highlighting): faster-whisper words start with a space, whisper.cpp may emit a comma
as its own "word", timestamps can overlap by a few milliseconds or arrive unsorted.
Everything after this module can rely on: words sorted by time, non-overlapping,
start < end, no empty tokens, punctuation glued to the word before it.
"""

from __future__ import annotations

import unicodedata

from ..models import Segment, Word

#: Shortest duration a word may have after clamping (one subtitle frame at 100 fps).
MIN_WORD_DURATION = 0.01


def _is_punctuation(text: str) -> bool:
    return bool(text) and all(unicodedata.category(ch).startswith("P") or ch.isspace() for ch in text)


def _clean(items: list[tuple[int, Word]]) -> list[tuple[int, Word]]:
    """Clean ``(segment index, word)`` pairs, keeping each word's segment index."""
    out: list[tuple[int, Word]] = []
    for key, word in sorted(items, key=lambda kw: (kw[1].start, kw[1].end)):
        text = word.text.strip()
        if not text:
            continue
        start, end = float(word.start), float(word.end)
        if end < start:
            start, end = end, start
        if _is_punctuation(text) and out:
            # "Americans" + "," -> "Americans,": a lone comma would become its own
            # subtitle word and break word highlighting.
            prev_key, prev = out[-1]
            out[-1] = (prev_key, prev.model_copy(update={"text": prev.text + text}))
            continue
        if out and start < out[-1][1].end:
            start = out[-1][1].end  # overlap: start where the previous word ends
        if end - start < MIN_WORD_DURATION:
            end = start + MIN_WORD_DURATION
        out.append(
            (
                key,
                word.model_copy(
                    update={
                        "text": text,
                        "start": round(start, 3),
                        "end": round(end, 3),
                        "probability": float(word.probability),
                    }
                ),
            )
        )
    return out


def normalize_words(words: list[Word]) -> list[Word]:
    """Cleaned copies of ``words`` (input order is not trusted)."""
    return [w for _, w in _clean([(0, w) for w in words])]


def normalize_segments(segments: list[Segment]) -> list[Segment]:
    """Clean words across segment borders, then rebuild each segment's times and text from its words."""
    segments = sorted(segments, key=lambda s: (s.start, s.end))
    cleaned = _clean([(i, w) for i, seg in enumerate(segments) for w in seg.words])
    has_words = any(seg.words for seg in segments)
    buckets: list[list[Word]] = [[] for _ in segments]
    for key, word in cleaned:
        buckets[key].append(word)
    result: list[Segment] = []
    prev_end = 0.0
    for seg, words in zip(segments, buckets, strict=False):
        if has_words:
            if not words:
                continue
            start, end, text = words[0].start, words[-1].end, " ".join(w.text for w in words)
        else:
            text = " ".join(seg.text.split())
            if not text:
                continue
            start = max(seg.start, prev_end)
            end = max(seg.end, start + MIN_WORD_DURATION)
        result.append(
            seg.model_copy(update={"start": round(start, 3), "end": round(end, 3), "text": text, "words": words})
        )
        prev_end = end
    return result
