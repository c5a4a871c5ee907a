"""A clip's neighbourhood in the transcript, and cut points snapped to word boundaries.

What the Shorts tab needs to let a user move a clip's start/end by clicking a sentence
or a word: the sentences around the clip and the cut time before/after any word (in
the pause next to it, never inside the neighbouring word, as for generated clips).
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass

from ..models import Transcript, Word
from .candidates import Sentence, cut_points, split_sentences


@dataclass
class TranscriptIndex:
    """A transcript's spoken words and sentences, split once (a talk has thousands of words)."""

    words: list[Word]
    sentences: list[Sentence]
    duration: float | None = None

    @classmethod
    def from_transcript(cls, transcript: Transcript, *, pause_threshold: float = 0.6) -> TranscriptIndex:
        words = [w for w in transcript.words if w.text.strip()]
        return cls(words, split_sentences(words, pause_threshold=pause_threshold), transcript.duration or None)

    @classmethod
    def load(cls, path: str | os.PathLike, *, pause_threshold: float = 0.6) -> TranscriptIndex:
        from pathlib import Path

        transcript = Transcript.model_validate_json(Path(path).read_text(encoding="utf-8"))
        return cls.from_transcript(transcript, pause_threshold=pause_threshold)

    def around(self, start: float, end: float, margin: float = 15.0) -> list[Sentence]:
        """Sentences overlapping ``[start - margin, end + margin]``, in order."""
        ends = [s.end for s in self.sentences]
        first = bisect.bisect_left(ends, start - margin)
        out = []
        for s in self.sentences[first:]:
            if s.start > end + margin:
                break
            out.append(s)
        return out

    def start_before(self, index: int) -> float:
        """Where a clip starting with word ``index`` is cut: just before it, inside the pause."""
        return cut_points(self.words, index, index, self.duration)[0]

    def end_after(self, index: int) -> float:
        """Where a clip ending with word ``index`` is cut: just after it, inside the pause."""
        return cut_points(self.words, index, index, self.duration)[1]

    def inside(self, index: int, start: float, end: float) -> bool:
        w = self.words[index]
        return start <= (w.start + w.end) / 2 <= end
