"""Typed data of the shorts feature: the request, a clip, and the two results."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from ..reframe.models import SpeakerHint
from ..styles.style import SubtitleStyle

Aspect = Literal["9:16", "1:1", "16:9", "4:5"]
Strategy = Literal["crop", "blur_bg", "pad"]


class LLMConfig(BaseModel):
    """Any OpenAI-compatible chat endpoint (OpenAI, Groq, a local Ollama at http://localhost:11434/v1)."""

    base_url: str
    api_key: str | None = None
    model: str = "gpt-4o-mini"
    timeout: float = 60.0


class ShortsRequest(BaseModel):
    num_clips: int = Field(3, ge=1, le=50)
    min_duration: float = Field(20.0, gt=0)
    max_duration: float = Field(60.0, gt=0)
    aspect: Aspect = "9:16"
    strategy: Strategy = "crop"
    #: Horizontal centre of the crop window, 0 = left edge, 1 = right edge.
    focus_x: float = Field(0.5, ge=0.0, le=1.0)
    #: The crop follows the speaker's face (crop strategy); per shot a single, split or fit layout.
    follow_faces: bool = False
    #: With ``follow_faces``: allow two people in one shot to be stacked (split layout).
    split_speakers: bool = True
    #: With ``follow_faces``: force one layout instead of choosing per shot.
    layout: Literal["auto", "single", "split", "fit"] = "auto"
    #: With ``follow_faces``: who speaks when, on the source video's timeline (e.g. from diarization);
    #: the camera then follows the active speaker.
    speaker_hints: list[SpeakerHint] = Field(default_factory=list)
    captions: bool = True
    #: Caption preset name (media_core.styles); None = the default preset.
    style: str | None = None
    #: Cut pauses longer than ``max_pause`` out of each clip while rendering.
    trim_silences: bool = False
    max_pause: float = Field(0.8, gt=0)
    #: Cut filler words ("um", "uh", "you know"; the language's list) and pauses longer than
    #: ``max_pause`` out of each clip (media_core.transcript_edit), in the same render.
    tighten: bool = False
    #: Added to the filler list when tightening (e.g. "like", "so").
    extra_fillers: list[str] = Field(default_factory=list)
    prompt: str | None = None
    scorer: Literal["heuristic", "llm"] = "heuristic"
    #: Match the prompt by meaning with the sentence-embedding model on top of lexical (BM25)
    #: relevance. ``None`` = whenever a prompt is given and the model is installed.
    semantic: bool | None = None
    #: Overrides the shared engine settings' ``shorts_llm`` endpoint for this request only.
    llm: LLMConfig | None = None
    #: True forbids every network call for this request. Offline mode in the engine settings
    #: always wins: ``False`` here cannot switch it off.
    offline: bool | None = None
    #: A media_core.transcription.TranscriptionConfig as a dict (None = its defaults).
    transcription: dict | None = None
    #: Output height in pixels (the width follows the aspect); lower it for fast previews.
    output_height: int = Field(1920, ge=64, le=4320)
    #: Minimum gap between two selected clips, seconds.
    min_gap: float = Field(1.0, ge=0.0)
    #: A silence between words at least this long ends a sentence even without punctuation.
    pause_threshold: float = Field(0.6, gt=0)
    #: Find who speaks when (offline diarization): cuts then fall between speaker turns.
    diarize: bool = False
    #: Exact number of speakers for the diarization, when known.
    speakers: int | None = Field(None, ge=1, le=20)
    #: Rank clips where this speaker ("Speaker 1", or a name given in Captions) talks higher.
    prefer_speaker: str | None = None
    #: This run's folder. When it already holds a run, a sibling with a number is used instead.
    output_dir: str | None = None
    #: Where the per-video run folder ("<video> shorts", "<video> shorts 2", …) is made when
    #: ``output_dir`` is not set; default: the app's outputs folder.
    output_root: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ShortsRequest:
        if self.max_duration < self.min_duration:
            raise ValueError("max_duration must be at least min_duration")
        return self


class ShortClip(BaseModel):
    id: str = ""
    start: float
    end: float
    #: Index of the first and last transcript word inside the clip.
    first_word: int = 0
    last_word: int = 0
    text: str = ""
    score: float = 0.0
    reason: str = ""
    title: str = ""
    rank: int = 0
    #: Raw feature values (0..1) behind the score, for the UI and for debugging the heuristic.
    features: dict[str, float] = Field(default_factory=dict)
    video_path: str | None = None
    srt_path: str | None = None
    ass_path: str | None = None
    thumbnail_path: str | None = None
    #: The caption style this clip was rendered with (a per-clip override, or the run's preset);
    #: ``None`` in runs written before clips recorded their style: the run's preset applies.
    style: SubtitleStyle | None = None

    @field_validator("style", mode="before")
    @classmethod
    def _preset_name(cls, value):
        from ..styles import get_preset

        return get_preset(value) if isinstance(value, str) else value

    @property
    def duration(self) -> float:
        return self.end - self.start


class ShortsPlanResult(BaseModel):
    input: str
    clips: list[ShortClip]
    #: Path of the cached transcript JSON (the Shorts tab shows it for start/end adjustment).
    transcript_path: str | None = None
    candidates_considered: int = 0
    scorer_used: str = "heuristic"

    def chronological(self) -> list[ShortClip]:
        return sorted(self.clips, key=lambda c: c.start)


class ShortsResult(BaseModel):
    # output_files() are registered as a job's outputs (and deleted with the job's files), so the
    # shared transcript cache is only named in the manifest, never here.
    input: str
    clips: list[ShortClip]
    manifest_path: str
    csv_path: str | None = None
    edl_path: str | None = None
    fcpxml_path: str | None = None
    output_dir: str

    def output_files(self) -> list[tuple[Path, str]]:
        """Every file of the run with its kind: each clip's video, subtitles and thumbnail, then
        the manifest and the editor exports."""
        files: list[tuple[str | None, str]] = []
        for clip in self.clips:
            files += [(clip.video_path, "video"), (clip.srt_path, "srt"), (clip.ass_path, "ass")]
            files.append((clip.thumbnail_path, "thumbnail"))
        files += [(self.manifest_path, "manifest"), (self.csv_path, "csv"), (self.edl_path, "edl")]
        files.append((self.fcpxml_path, "fcpxml"))
        return [(Path(path), kind) for path, kind in files if path]
