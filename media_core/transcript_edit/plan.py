"""Which stretches of a recording go: filler words, words the user picked, long pauses.

A cut never lands inside a word that stays. Each cut boundary lies in the silence between
a kept word and a removed one (or inside a long pause), and with the audio at hand it moves
to the quietest point of that silence, because recogniser word times can be a few hundred
milliseconds off while the audio itself says where the gap is. What is left of a pause
after a cut is natural: the shorter of the two original gaps, at most ``keep_pause``.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from ..errors import InvalidParameterError
from ..models import Word
from .fillers import fillers_for, find_fillers

Reason = Literal["filler", "selected", "pause"]


class CutOptions(BaseModel):
    remove_fillers: bool = True
    #: The filler list; ``None`` takes the default list of the transcript's language.
    fillers: list[str] | None = None
    #: Added to the list in use (e.g. "like", "so" for a speaker who overuses them).
    extra_fillers: list[str] = Field(default_factory=list)
    #: Indices of words picked in the transcript (Descript-style), removed whatever they are.
    remove_words: list[int] = Field(default_factory=list)
    #: Pauses longer than this are shortened to ``keep_pause``; ``None`` keeps every pause.
    max_pause: float | None = Field(1.0, gt=0)
    keep_pause: float = Field(0.3, ge=0)
    #: Audio fade at each join, so a cut never clicks.
    crossfade: float = Field(0.012, ge=0, le=0.1)

    @model_validator(mode="after")
    def _pause_order(self) -> CutOptions:
        if self.max_pause is not None and self.keep_pause > self.max_pause:
            raise ValueError("keep_pause must not be longer than max_pause")
        return self


class Span(BaseModel):
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


class Removal(BaseModel):
    start: float
    end: float
    reason: Reason
    #: The removed words as the transcript spells them ("" for a pause).
    text: str = ""
    words: list[int] = Field(default_factory=list)


class CutPlan(BaseModel):
    duration: float
    keep: list[Span]
    removals: list[Removal]

    @property
    def removed(self) -> float:
        return self.duration - self.output_duration

    @property
    def output_duration(self) -> float:
        return sum(s.duration for s in self.keep)

    def map_time(self, t: float) -> float | None:
        """Source time → output time; ``None`` for a moment that was cut."""
        offset = 0.0
        for span in self.keep:
            if t < span.start - 1e-9:
                return None
            if t <= span.end + 1e-9:
                return offset + min(max(t, span.start), span.end) - span.start
            offset += span.duration
        return None

    def map_words(self, words: Sequence[Word]) -> list[Word]:
        """The words that stay, on the output's clock."""
        out = []
        for word in words:
            start, end = self.map_time(word.start), self.map_time(word.end)
            if start is None or end is None or end < start:
                continue
            out.append(word.model_copy(update={"start": round(start, 3), "end": round(end, 3)}))
        return out


class _Silence:
    """Where the audio is really silent, on 10 ms frames.

    Silence is 40 dB under the recording's loud speech (its 95th-percentile frame) for at
    least 50 ms, so a breath or the decay of a word still counts as speech. Without audio
    every answer is the word time it was asked about."""

    HOP_S = 0.01
    MIN_RUN = 5

    def __init__(self, audio: np.ndarray | None, sample_rate: int):
        self.rate = 1 / self.HOP_S
        self.energy: np.ndarray | None = None
        if audio is None or len(audio) < sample_rate * self.HOP_S * (self.MIN_RUN + 2):
            return
        hop = int(sample_rate * self.HOP_S)
        n = len(audio) // hop
        frames = audio[: n * hop].reshape(n, hop).astype(np.float64)
        self.energy = np.sqrt((frames * frames).mean(axis=1) + 1e-12)
        threshold = max(float(np.percentile(self.energy, 95)) * 10 ** (-40 / 20), 1e-5)
        silent = (self.energy < threshold).astype(np.int32)
        #: ``run[k]``: frames k .. k+MIN_RUN-1 are all silent.
        self.run = np.convolve(silent, np.ones(self.MIN_RUN, np.int32), mode="valid") == self.MIN_RUN

    def _frame(self, t: float) -> int:
        return round(t * self.rate)

    def speech_end(self, t: float, limit: float) -> float | None:
        """Where the speech going on at ``t`` stops (the first silent run at or after ``t``)."""
        if self.energy is None:
            return t
        k0, k1 = self._frame(t), min(self._frame(limit), len(self.run))
        hits: np.ndarray = np.nonzero(self.run[k0:k1])[0] if k1 > k0 else np.zeros(0, np.int64)
        return (k0 + int(hits[0])) / self.rate if len(hits) else None

    def speech_start(self, t: float, limit: float) -> float | None:
        """Where the speech going on at ``t`` began (the end of the last silent run before it)."""
        if self.energy is None:
            return t
        k1 = min(self._frame(t), len(self.energy))
        k0 = max(self._frame(limit), self.MIN_RUN)
        if k1 < k0:
            return None
        window = self.run[k0 - self.MIN_RUN : k1 - self.MIN_RUN + 1]
        hits = np.nonzero(window)[0]
        return (k0 + int(hits[-1])) / self.rate if len(hits) else None

    def gap(self, after: float, before: float) -> tuple[float, float]:
        """The silence between the speech ending near ``after`` and the speech starting near
        ``before``; a single point (the quietest) when the two run into each other."""
        lo_t, hi_t = min(after, before), max(after, before)
        lo, hi = self.speech_end(after, hi_t + 0.5), self.speech_start(before, lo_t - 0.5)
        if lo is not None and hi is not None and hi >= lo:
            return lo, hi
        point = self._quietest(lo_t, hi_t)
        return point, point

    def _quietest(self, lo: float, hi: float) -> float:
        if self.energy is None or hi - lo < 2 / self.rate:
            return (lo + hi) / 2
        a, b = self._frame(lo), min(self._frame(hi), len(self.energy) - 1)
        return (a + int(np.argmin(self.energy[a : b + 1]))) / self.rate if b > a else (lo + hi) / 2


def plan_cuts(
    words: Sequence[Word],
    duration: float,
    options: CutOptions | None = None,
    *,
    language: str | None = None,
    audio: np.ndarray | None = None,
    sample_rate: int = 16_000,
    fps: float | None = None,
) -> CutPlan:
    """Plan the cuts for ``words`` (in time order) of a recording lasting ``duration`` seconds."""
    options = options or CutOptions()
    words = list(words)
    n = len(words)
    bad = [i for i in options.remove_words if not 0 <= i < n]
    if bad:
        raise InvalidParameterError(f"Word {bad[0]} is not in the transcript (it has {n} words).")
    reasons: dict[int, Reason] = dict.fromkeys(options.remove_words, "selected")
    if options.remove_fillers:
        fillers = options.fillers if options.fillers is not None else fillers_for(language)
        for i in find_fillers(words, [*fillers, *options.extra_fillers]):
            reasons.setdefault(i, "filler")
    silence = _Silence(audio, sample_rate)
    removals = _word_removals(words, reasons, duration, options, silence)
    removals += _pause_removals(words, reasons, duration, options, silence)
    keep = _keep_spans(removals, duration, fps)
    return CutPlan(duration=duration, keep=keep, removals=sorted(removals, key=lambda r: r.start))


def _word_removals(
    words: list[Word], reasons: dict[int, Reason], duration: float, options: CutOptions, silence: _Silence
) -> list[Removal]:
    out: list[Removal] = []
    n = len(words)
    i = 0
    while i < n:
        if i not in reasons:
            i += 1
            continue
        j = i
        while j + 1 < n and j + 1 in reasons:
            j += 1
        before = silence.gap(words[i - 1].end, words[i].start) if i > 0 else None
        after = silence.gap(words[j].end, words[j + 1].start) if j + 1 < n else None
        gaps = [g[1] - g[0] for g in (before, after) if g is not None]
        keep = min([*gaps, options.keep_pause])
        # Half of what stays of the pause on each side of the join, inside the real silence.
        start = before[0] + keep / 2 if before else 0.0
        end = after[1] - keep / 2 if after else duration
        if end > start:
            kinds = {reasons[k] for k in range(i, j + 1)}
            out.append(
                Removal(
                    start=start,
                    end=end,
                    reason="selected" if "selected" in kinds else "filler",
                    text=" ".join(w.text.strip() for w in words[i : j + 1]),
                    words=list(range(i, j + 1)),
                )
            )
        i = j + 1
    return out


def _pause_removals(
    words: list[Word], reasons: dict[int, Reason], duration: float, options: CutOptions, silence: _Silence
) -> list[Removal]:
    if options.max_pause is None or not words:
        return []
    kept = [i for i in range(len(words)) if i not in reasons]
    half = options.keep_pause / 2
    pauses: list[tuple[float, float, bool, bool]] = []
    if kept and kept[0] == 0:
        pauses.append((0.0, silence.speech_start(words[0].start, 0.0) or words[0].start, True, False))
    # A gap with removed words inside was already closed by their removal.
    pauses += [
        (*silence.gap(words[a].end, words[b].start), False, False) for a, b in itertools.pairwise(kept) if b == a + 1
    ]
    if kept and kept[-1] == len(words) - 1:
        pauses.append((silence.speech_end(words[-1].end, duration) or words[-1].end, duration, False, True))
    out = []
    for lo, hi, at_start, at_end in pauses:
        if hi - lo <= options.max_pause:
            continue
        start = lo if at_start else lo + half
        end = hi if at_end else hi - half
        if end - start > 0.05:
            out.append(Removal(start=start, end=end, reason="pause"))
    return out


def _keep_spans(removals: list[Removal], duration: float, fps: float | None) -> list[Span]:
    def snap(t: float, up: bool) -> float:
        # Video and audio are cut at the same frame boundary, so they stay in sync after the
        # join; a cut only ever shrinks to the grid, so it cannot reach into kept speech.
        if not fps:
            return round(t, 6)
        frames = math.ceil(t * fps - 1e-6) if up else math.floor(t * fps + 1e-6)
        return round(frames / fps, 6)

    cuts = sorted((snap(r.start, up=True), snap(r.end, up=False)) for r in removals)
    merged: list[list[float]] = []
    for start, end in cuts:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif end > start:
            merged.append([start, end])
    keep: list[Span] = []
    cursor = 0.0
    min_len = 1 / fps if fps else 0.02
    for start, end in merged:
        if start - cursor >= min_len:
            keep.append(Span(start=cursor, end=start))
        cursor = max(cursor, end)
    end_all = duration
    if end_all - cursor >= min_len:
        keep.append(Span(start=cursor, end=min(end_all, duration)))
    if not keep:
        raise InvalidParameterError("These cuts would remove the whole recording; nothing would be left.")
    return keep


def removed_before(plan: CutPlan, t: float) -> float:
    """Seconds cut before source time ``t`` (for placing markers on the output)."""
    starts = [s.start for s in plan.keep]
    k = bisect.bisect_right(starts, t)
    kept_before = sum(s.duration for s in plan.keep[: max(0, k - 1)])
    if k:
        kept_before += min(max(0.0, t - plan.keep[k - 1].start), plan.keep[k - 1].duration)
    return t - kept_before
