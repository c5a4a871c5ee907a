"""Keep Whisper from writing words nobody said.

Whisper was trained on subtitles, so over music, noise or silence it tends to produce
stock lines ("Thank you for watching", "you") and, once conditioned on its own output,
to repeat a phrase for the rest of a window. Two guards:

- **Non-speech**: a segment whose span holds almost no speech by Silero VAD (the model
  the engine already uses to skip silences) is dropped. With VAD on, the recogniser only
  ever sees speech, so this costs nothing; with ``vad=False`` it runs the VAD once.
- **Repetition**: a phrase repeated back to back (a loop) marks its span; the backend
  decodes that span again with ``condition_on_previous_text`` off (:func:`retry_spans`
  callers), and what still loops afterwards is collapsed to one occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from ..models import Segment

#: Below this share of speech (by VAD) a segment is taken for a hallucination.
MIN_SPEECH_SHARE = 0.2
#: A unit of 1 word must come this many times in a row to be a loop ("no, no, no" is speech) …
_REPEATS_ONE_WORD = 5
#: … a unit of 2+ words this many times.
_REPEATS_PHRASE = 3
_MAX_UNIT = 8


def speech_spans(audio: np.ndarray, sample_rate: int) -> list[tuple[float, float]]:
    """Speech regions of ``audio`` in seconds (Silero VAD, faster-whisper's default options)."""
    from .faster_whisper_backend import speech_pieces

    chunks = [c for piece in speech_pieces(audio, sample_rate) for c in piece]
    return [(c["start"] / sample_rate, c["end"] / sample_rate) for c in chunks]


def speech_share(start: float, end: float, spans: list[tuple[float, float]]) -> float:
    if end <= start:
        return 0.0
    covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)
    return covered / (end - start)


def drop_non_speech(segments: list[Segment], spans: list[tuple[float, float]]) -> list[Segment]:
    """Segments with at least ``MIN_SPEECH_SHARE`` of speech in their span."""
    return [s for s in segments if speech_share(s.start, s.end, spans) >= MIN_SPEECH_SHARE]


def _tokens(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def find_loop(tokens: list[str]) -> tuple[int, int, int] | None:
    """First back-to-back repetition in ``tokens``: ``(start, unit length, repeats)``."""
    for unit in range(1, _MAX_UNIT + 1):
        need = _REPEATS_ONE_WORD if unit == 1 else _REPEATS_PHRASE
        for i in range(len(tokens) - unit * need + 1):
            pattern = tokens[i : i + unit]
            count = 1
            while tokens[i + count * unit : i + (count + 1) * unit] == pattern:
                count += 1
            if count >= need:
                return i, unit, count
    return None


def looping_spans(segments: list[Segment]) -> list[tuple[int, int]]:
    """Index ranges ``[first, last]`` of segments whose text loops: inside one segment, or the
    same line back to back over several segments."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(segments):
        j = i
        while j + 1 < len(segments) and _tokens(segments[j + 1].text) == _tokens(segments[i].text):
            j += 1
        words = [t for s in segments[i : j + 1] for t in _tokens(s.text)]
        # One-word lines (whisper.cpp gives one word per segment) need as many repeats as words.
        need = _REPEATS_ONE_WORD if len(_tokens(segments[i].text)) <= 1 else _REPEATS_PHRASE
        if words and (j - i + 1 >= need or find_loop(words) is not None):
            out.append((i, j))
        i = j + 1
    return out


def collapse_loops(segment: Segment) -> Segment:
    """One occurrence of each back-to-back repetition in ``segment``'s words (and text)."""
    words = list(segment.words)
    if not words:
        tokens = segment.text.split()
        while (loop := find_loop([t.lower() for t in tokens])) is not None:
            start, unit, count = loop
            del tokens[start + unit : start + unit * count]
        return segment.model_copy(update={"text": " ".join(tokens)})
    while (loop := find_loop([" ".join(_tokens(w.text)) for w in words])) is not None:
        start, unit, count = loop
        kept_end = words[start + unit * count - 1].end
        del words[start + unit : start + unit * count]
        words[start + unit - 1] = words[start + unit - 1].model_copy(update={"end": kept_end})
    return segment.model_copy(
        update={"words": words, "text": " ".join(w.text.strip() for w in words), "end": words[-1].end}
    )


def repair_loops(
    segments: list[Segment], redecode: Callable[[float, float], list[Segment]], log: Callable[[str], None]
) -> list[Segment]:
    """Segments with every looping span decoded again by ``redecode(start, end)`` (the backend,
    without conditioning on previous text); loops that survive are collapsed."""
    spans = looping_spans(segments)
    if not spans:
        return segments
    out: list[Segment] = []
    done = 0
    for first, last in spans:
        out.extend(segments[done:first])
        start, end = segments[first].start, segments[last].end
        log(f"repeated text at {start:.1f}-{end:.1f} s: decoding that part again without context")
        retried = redecode(start, end)
        if looping_spans(retried) or not retried:
            retried = [collapse_loops(s) for s in (retried or segments[first : last + 1])]
            retried = _dedupe_lines(retried)
        out.extend(retried)
        done = last + 1
    out.extend(segments[done:])
    return out


def _dedupe_lines(segments: list[Segment]) -> list[Segment]:
    """The same line back to back over several segments, kept once."""
    out: list[Segment] = []
    for seg in segments:
        if out and _tokens(out[-1].text) == _tokens(seg.text):
            continue
        out.append(seg)
    return out
