"""Typed results and the interface every diarization backend implements."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from pydantic import BaseModel, Field, model_validator

from ..progress import CancelToken, ProgressFn


class SpeakerTurn(BaseModel):
    start: float
    end: float
    speaker: str

    @property
    def duration(self) -> float:
        return self.end - self.start


class DiarizationOptions(BaseModel):
    #: Exact number of speakers when known; otherwise the count is estimated (within min/max).
    num_speakers: int | None = Field(default=None, ge=1, le=20)
    min_speakers: int | None = Field(default=None, ge=1, le=20)
    max_speakers: int | None = Field(default=None, ge=1, le=20)
    #: Cosine-distance threshold of the agglomerative clustering (lower finds more speakers).
    threshold: float = Field(default=0.6, gt=0.0, lt=2.0)
    #: Seconds between the starts of two analysis windows (10 s long); smaller is slower and smoother.
    step: float = Field(default=2.5, gt=0.1, le=10.0)
    #: Embed the voices of every n-th window only; the others are matched to speakers by how
    #: their activity overlaps the embedded windows' (2 halves the embedding time).
    embed_every: int = Field(default=2, ge=1, le=4)
    #: Pauses of one speaker shorter than this are bridged.
    min_gap: float = Field(default=0.1, ge=0.0)
    threads: int = Field(default=1, ge=1, le=16)

    @model_validator(mode="after")
    def _check(self) -> DiarizationOptions:
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise ValueError("min_speakers must not exceed max_speakers")
        return self


class Diarization(BaseModel):
    turns: list[SpeakerTurn] = Field(default_factory=list)
    duration: float = 0.0
    backend: str = ""

    @property
    def speakers(self) -> list[str]:
        """Speaker labels in order of first appearance."""
        seen: list[str] = []
        for turn in sorted(self.turns, key=lambda t: t.start):
            if turn.speaker not in seen:
                seen.append(turn.speaker)
        return seen

    def speaking_time(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for turn in self.turns:
            totals[turn.speaker] = totals.get(turn.speaker, 0.0) + turn.duration
        return totals

    def renamed(self, names: dict[str, str]) -> Diarization:
        turns = [t.model_copy(update={"speaker": names.get(t.speaker, t.speaker)}) for t in self.turns]
        return self.model_copy(update={"turns": turns})


class Diarizer(Protocol):
    """Audio (float32, 16 kHz, mono) → speaker turns. Cancel is honoured within a second."""

    name: str

    def diarize(
        self,
        audio: np.ndarray,
        options: DiarizationOptions | None = None,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> Diarization: ...


def speaker_label(index: int) -> str:
    return f"Speaker {index + 1}"
