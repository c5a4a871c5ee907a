"""Typed data shared by every part of the engine (transcripts and subtitle lines)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class Word(BaseModel):
    text: str
    start: float
    end: float
    probability: float = 1.0
    speaker: str | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


class Segment(BaseModel):
    """A recogniser segment (roughly a sentence), with the words it contains."""

    start: float
    end: float
    text: str
    words: list[Word] = Field(default_factory=list)
    speaker: str | None = None


class Transcript(BaseModel):
    language: str
    duration: float
    segments: list[Segment] = Field(default_factory=list)
    #: Where it came from: backend, model, source file, … (free-form, for the JSON export).
    meta: dict = Field(default_factory=dict)

    @property
    def words(self) -> list[Word]:
        return [w for seg in self.segments for w in seg.words]

    @property
    def text(self) -> str:
        return " ".join(seg.text.strip() for seg in self.segments if seg.text.strip())


class SubtitleLine(BaseModel):
    start: float
    end: float
    #: Display text; ``\n`` separates the rows of a two-row cue.
    text: str
    words: list[Word] = Field(default_factory=list)
    speaker: str | None = None

    @model_validator(mode="after")
    def _check_times(self) -> SubtitleLine:
        if self.end < self.start:
            raise ValueError(f"subtitle line ends ({self.end}) before it starts ({self.start})")
        return self

    @property
    def duration(self) -> float:
        return self.end - self.start
