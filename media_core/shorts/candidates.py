"""Candidate clips whose start and end fall on sentence or pause boundaries.

A clip that starts mid-sentence or stops mid-word is useless as a short, so cut
points are only ever placed inside the silence between two words that end a
sentence (punctuation followed by at least a short pause) or that are separated
by a long pause. Optionally the exact cut inside that silence is moved to the
quietest spot of the real audio, because recogniser word timings drift by a
tenth of a second or two.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np

from ..models import Transcript, Word
from .models import ShortClip

_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]]*$")

#: Lead-in before the first word / tail after the last word (seconds).
LEAD_IN = 0.15
TAIL_OUT = 0.25


@dataclass(frozen=True)
class Sentence:
    first: int  # word index
    last: int
    start: float
    end: float
    text: str

    @property
    def complete(self) -> bool:
        return ends_sentence(self.text)


#: "Mr." is not the end of a sentence (unless a real pause follows it).
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "prof",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "no",
        "vol",
        "fig",
        "e.g",
        "i.e",
    ]
)


def ends_sentence(text: str) -> bool:
    text = text.strip()
    if not text or text.split()[-1].rstrip(".").lower() in _ABBREVIATIONS:
        return False
    return bool(_SENTENCE_END.search(text))


def split_sentences(words: list[Word], *, pause_threshold: float = 0.6, min_punct_gap: float = 0.15) -> list[Sentence]:
    """Group words into sentences.

    A sentence ends after a word with final punctuation that is followed by at
    least ``min_punct_gap`` of silence (a period the speaker runs straight
    through is no place to cut), or after any word followed by ``pause_threshold``.
    """
    sentences: list[Sentence] = []
    if not words:
        return sentences
    first = 0
    for i, word in enumerate(words):
        last_word = i == len(words) - 1
        gap = float("inf") if last_word else words[i + 1].start - word.end
        if last_word or gap >= pause_threshold or (ends_sentence(word.text) and gap >= min_punct_gap):
            chunk = words[first : i + 1]
            text = "".join(w.text if w.text.startswith(" ") else " " + w.text for w in chunk).strip()
            sentences.append(Sentence(first, i, chunk[0].start, chunk[-1].end, text))
            first = i + 1
    return sentences


def cut_points(
    words: list[Word],
    first: int,
    last: int,
    duration: float | None = None,
    lead: float = LEAD_IN,
    tail: float = TAIL_OUT,
) -> tuple[float, float]:
    """Clip start/end just outside words ``first``..``last`` yet inside the neighbouring pauses."""
    start = words[first].start - lead
    if first > 0:
        # Never reach back into the previous word: stay at least halfway into the pause.
        start = max(start, (words[first - 1].end + words[first].start) / 2)
    end = words[last].end + tail
    if last + 1 < len(words):
        end = min(end, (words[last].end + words[last + 1].start) / 2)
    start = max(0.0, start)
    if duration:
        end = min(end, duration)
    return round(start, 3), round(end, 3)


#: About how many candidates a video gets: scoring costs ~0.2 ms a candidate, so this keeps the
#: analysis to a few seconds whatever the video's length.
CANDIDATE_BUDGET = 12_000
#: Every sentence start keeps at least this many lengths, however long the video.
MIN_PER_START = 4


def build_candidates(
    transcript: Transcript,
    *,
    min_duration: float = 20.0,
    max_duration: float = 60.0,
    pause_threshold: float = 0.6,
    budget: int = CANDIDATE_BUDGET,
) -> list[ShortClip]:
    """Runs of whole sentences lasting between ``min_duration`` and ``max_duration``.

    Every sentence of the video may start a candidate. When the runs starting at one
    sentence outnumber its share of ``budget``, lengths evenly spread between the
    shortest and the longest are kept, so a long talk is covered to its end instead of
    its first hour exhausting the budget.
    """
    words = [w for w in transcript.words if w.text.strip()]
    sentences = split_sentences(words, pause_threshold=pause_threshold)
    if not sentences:
        return []
    duration = transcript.duration or None
    # A cut's start depends only on the first word and its end only on the last, so both are
    # computed once per sentence; the end times are sorted, which makes the valid range a bisection.
    starts = [cut_points(words, s.first, s.first, duration)[0] for s in sentences]
    ends = [cut_points(words, s.last, s.last, duration)[1] for s in sentences]
    ranges: list[tuple[int, int, int]] = []
    for i, start in enumerate(starts):
        lo = max(i, bisect.bisect_left(ends, start + min_duration - 1e-9))
        hi = bisect.bisect_right(ends, start + max_duration + 1e-9)
        if hi > lo:
            ranges.append((i, lo, hi))
    per_start = max(MIN_PER_START, budget // max(1, len(ranges)))
    clips: list[ShortClip] = []
    for i, lo, hi in ranges:
        picks = (
            range(lo, hi) if hi - lo <= per_start else sorted({round(x) for x in np.linspace(lo, hi - 1, per_start)})
        )
        first = sentences[i]
        for j in picks:
            last = sentences[j]
            start, end = starts[i], ends[j]
            if not (min_duration <= end - start <= max_duration):
                continue
            text = " ".join(s.text for s in sentences[i : j + 1])
            clips.append(ShortClip(start=start, end=end, first_word=first.first, last_word=last.last, text=text))
    return clips


def snap_to_quiet(
    clips: list[ShortClip], words: list[Word], audio: np.ndarray, sample_rate: int, *, window: float = 0.05
) -> list[ShortClip]:
    """Move each cut to the quietest point of the pause it sits in (measured on the real audio).

    Word timestamps from the recogniser can be late or early; the audio itself
    says where the silence is. The search stays between the neighbouring words,
    so a cut never moves into speech the transcript knows about.
    """
    hop = max(1, int(window * sample_rate / 2))
    n = len(audio) // hop
    if n < 3:
        return clips
    frames = audio[: n * hop].reshape(n, hop)  # a view: no copy of a long recording
    energy = np.sqrt(np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / hop + 1e-12)
    smooth = np.convolve(energy, np.ones(3) / 3, mode="same")

    cache: dict[tuple[float, float, float], float] = {}

    def quietest(lo: float, hi: float, prefer: float) -> float:
        # Candidates share their boundaries (every start pairs with many ends): search each once.
        key = (lo, hi, prefer)
        if key not in cache:
            cache[key] = _quietest(lo, hi, prefer)
        return cache[key]

    def _quietest(lo: float, hi: float, prefer: float) -> float:
        a, b = int(max(0.0, lo) * sample_rate / hop), int(hi * sample_rate / hop)
        b = min(b, n - 1)
        if b - a < 1:
            return prefer
        seg = smooth[a : b + 1]
        floor = seg.min()
        # Among frames within 10 % (or +1e-4) of the quietest, take the one nearest the preferred spot.
        ok = np.nonzero(seg <= floor * 1.1 + 1e-4)[0]
        target = prefer * sample_rate / hop - a
        best = ok[np.argmin(np.abs(ok - target))]
        return (a + best + 0.5) * hop / sample_rate

    out = []
    total = len(audio) / sample_rate
    for clip in clips:
        f, last = clip.first_word, clip.last_word
        lo = words[f - 1].end if f > 0 else max(0.0, words[f].start - 1.0)
        hi_s = words[f].start
        start = quietest(lo, hi_s, min(clip.start, hi_s))
        start = min(start, max(lo, hi_s - 0.05))
        lo_e = words[last].end
        hi = words[last + 1].start if last + 1 < len(words) else min(total, words[last].end + 1.0)
        end = quietest(lo_e, hi, max(clip.end, lo_e))
        end = max(end, min(hi, lo_e + 0.05))
        out.append(
            clip.model_copy(update={"start": round(float(max(0.0, start)), 3), "end": round(float(min(end, total)), 3)})
        )
    return out
