"""One typed request per built-in job type: what the desktop, the CLI and the HTTP API submit.

A job request is the engine's own request model plus ``input`` (the file the job works
on, recorded as the job's input asset) and the few job-level fields an engine call takes
beside it. Where an engine function takes plain arguments instead of a request model,
the job request lists exactly those arguments. Every request rejects unknown fields, so a
typo in a front end fails at submit time, next to the field, not minutes later on a
worker thread.

The job stores ``request.model_dump(mode="json")`` as its params; older stored params
(``video``/``path``/``manifest`` naming the input, flat captions keys) still validate.

Importing this module imports the engine's models (PyAV among them): the job system
loads it with the built-in job types, on first use, never at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from ..captions import CaptionsRequest
from ..models import SubtitleLine
from ..reframe.models import LayoutChoice, SpeakerHint
from ..render.geometry import Aspect, Strategy
from ..render.plan import EncoderSettings, Reframe, RenderPlan, Trim
from ..shorts.models import ShortClip, ShortsRequest
from ..styles import SubtitleStyle
from ..transcript_edit.plan import CutOptions
from ..transcription.config import TranscriptionConfig
from ..translation.subtitles import DEFAULT_BATCH_SIZE
from ..url_source import is_url


def _a_path(value: Any) -> Any:
    # Path("") is "." (the current folder): an empty field must fail, not point there.
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("choose a file")
    return value


#: A file path that must be given (empty strings are refused).
RequiredPath = Annotated[Path, BeforeValidator(_a_path)]


def _path_or_link(value: Any) -> Any:
    value = _a_path(value)
    # A web link stays text: as a Path, "https://host/v" would lose one of its slashes.
    return value.strip() if is_url(value) else Path(value)


#: A file path, or a video link (http/https) that the engine downloads first.
PathOrUrl = Annotated[Path | str, BeforeValidator(_path_or_link)]

_STRICT = ConfigDict(extra="forbid", populate_by_name=True)


def _input(*old_names: str, description: str = "the file the job works on") -> Any:
    """The ``input`` field; ``old_names`` are what earlier params called it (still accepted)."""
    return Field(validation_alias=AliasChoices("input", *old_names), description=description)


def _after_start(end: float | None, info: ValidationInfo) -> float | None:
    # A field check rather than a model check, so the error is keyed "end": a form shows it there.
    start = info.data.get("start")
    if start is not None and end is not None and end <= start:
        raise ValueError(f"the end ({end:g}) must come after the start ({start:g})")
    return end


def _preset_style(value: Any) -> Any:
    """A preset name becomes its style at submit time, so the job keeps the style it ran with."""
    if isinstance(value, str):
        from ..errors import ReframeError
        from ..styles import get_preset

        try:
            return get_preset(value)
        except ReframeError as exc:
            raise ValueError(str(exc)) from exc
    return value


def engine_arguments(request: BaseModel, *positional: str) -> dict[str, Any]:
    """The request's fields as the keyword arguments of its engine function, for the job
    types whose request lists exactly that function's arguments (a test holds them to it);
    ``positional`` are passed separately."""
    return {name: getattr(request, name) for name in type(request).model_fields if name not in positional}


class JobRequest(BaseModel):
    """Base of the requests that are not an engine model with ``input`` added."""

    model_config = _STRICT


# -- captions and translation --------------------------------------------------------------


class CaptionsJob(CaptionsRequest):
    """``captions``: :class:`~media_core.captions.CaptionsRequest` + ``input`` (audio or video).

    Flat keys (``model``, ``max_lines``, ``output_dir``…) are accepted as the engine request
    accepts them; field errors name them flat too."""

    model_config = _STRICT
    FLAT_GROUPS: ClassVar[tuple[str, ...]] = ("transcription", "grouping")

    input: PathOrUrl = _input(description="audio or video to transcribe, or a link to a video")


class _TranslationOptions(JobRequest):
    src: str | None = Field(None, description="source language; default: detected / recorded")
    backend: str = Field("auto", description="auto, argos, apertium or cloud")
    #: True forbids the network; offline mode in the engine settings always wins.
    offline: bool | None = None
    # No api_key on purpose: params are stored and shown; the key comes from the settings.
    cloud_base_url: str | None = None
    cloud_model: str | None = None


class TranslateSubtitlesJob(_TranslationOptions):
    """``translate_subtitles``: the arguments of :func:`~media_core.translation.translate_subtitle_file`;
    several languages in one job with ``tgt`` as a list or ``"es,fr,de"``
    (:func:`~media_core.translation.subtitles.translate_subtitle_file_many`)."""

    input: RequiredPath = _input("path", description="subtitle file to translate")
    tgt: str | list[str] = Field(min_length=1, description="target language code(s): es, or es,fr,de, or a list")
    bilingual: bool | Literal["stacked", "two_track"] = False
    #: The translated file (one language only); default ``<name>.<tgt>.<ext>`` in the outputs folder.
    out: Path | None = None
    #: Where ``<name>.<lang>.<ext>`` goes for each language; default the outputs folder.
    out_dir: Path | None = None
    batch_size: int = Field(DEFAULT_BATCH_SIZE, ge=1)


class TranslateShortsJob(_TranslationOptions):
    """``translate_shorts``: titles and descriptions of a shorts run, translated into its manifest."""

    input: RequiredPath = _input("manifest_path", "manifest", description="a shorts run's manifest.json")
    tgt: str = Field(min_length=1, description="target language code, e.g. es")


# -- renders ---------------------------------------------------------------------------------


class RenderJob(RenderPlan):
    """``render_styled``: a :class:`~media_core.render.RenderPlan` (one ffmpeg run)."""

    model_config = _STRICT

    input: RequiredPath
    output: RequiredPath


class BurnJob(JobRequest):
    """``burn``: the arguments of :func:`~media_core.render.operations.burn_subtitles`."""

    input: RequiredPath = _input("video", description="video to burn the captions into")
    #: A subtitle file (.srt/.vtt/.ass), or lines to style.
    subs: RequiredPath | list[SubtitleLine]
    out: RequiredPath
    #: A style, or a preset name (resolved at submit time, so the job keeps the style it ran with).
    style: SubtitleStyle | None = None
    fonts_dir: Path | None = None
    encoder: EncoderSettings | None = None

    @field_validator("style", mode="before")
    @classmethod
    def _preset_name(cls, value: Any) -> Any:
        return _preset_style(value)


class MergeAVJob(JobRequest):
    """``merge_av``: the arguments of :func:`~media_core.render.audio_ops.merge_video_audio`."""

    input: RequiredPath = _input("video", description="video whose picture is kept")
    audio: RequiredPath
    out: RequiredPath
    #: > 0 delays the added audio, < 0 cuts that much from its head.
    offset: float = 0.0
    mode: Literal["replace", "mix"] = "replace"
    music_volume: float = Field(1.0, ge=0.0)
    ducking: bool = False
    loudness_normalize: bool = False
    target_lufs: float = Field(-14.0, le=0.0)
    audio_bitrate: str = "192k"


class CutJob(Trim):
    """``cut``: a :class:`~media_core.render.plan.Trim` with a required end, plus the file arguments
    of :func:`~media_core.render.operations.cut`."""

    model_config = _STRICT

    input: RequiredPath = _input("video", description="video to cut")
    end: float
    out: RequiredPath
    #: False copies the streams: instant, but the cut starts on a keyframe.
    reencode: bool = True
    encoder: EncoderSettings | None = None

    _end_after_start = field_validator("end")(_after_start)


class ReframeJob(Reframe):
    """``reframe``: a :class:`~media_core.render.plan.Reframe` plus the file arguments of
    :func:`~media_core.render.operations.reframe`."""

    model_config = _STRICT

    input: RequiredPath = _input("video", description="video to reframe")
    out: RequiredPath
    aspect: Aspect = "9:16"
    strategy: Strategy = "crop"
    #: Face following, flat as :func:`~media_core.render.operations.reframe` takes it
    #: (``follow`` of the render plan's Reframe holds the same for render_styled jobs).
    layout: LayoutChoice = "auto"
    split_speakers: bool = True
    speaker_hints: list[SpeakerHint] = Field(default_factory=list)
    encoder: EncoderSettings | None = None


# -- shorts ----------------------------------------------------------------------------------


class ShortsJob(ShortsRequest):
    """``shorts``: :class:`~media_core.shorts.models.ShortsRequest` + ``input``; ``clips`` (edited
    clips) skips the search and renders exactly those."""

    model_config = _STRICT

    input: PathOrUrl = _input(description="the long video to cut shorts from, or a link to it")
    clips: list[ShortClip] | None = None

    def shorts_request(self) -> ShortsRequest:
        """The engine request alone: what the run records in its manifest (no input, no clips)."""
        return ShortsRequest.model_validate(self.model_dump(exclude={"input", "clips"}))


class ShortsRerenderJob(JobRequest):
    """``shorts_rerender``: one clip of a finished run, re-rendered with new source times."""

    input: RequiredPath = _input("manifest", description="the run's manifest.json")
    clip_id: str = Field(min_length=1)
    start: float | None = Field(None, ge=0.0, description="source seconds; default: where the clip starts now")
    end: float | None = Field(None, description="source seconds; default: where the clip ends now")
    #: The clip's own caption style (a style, or a preset name); default: the style it has.
    style: SubtitleStyle | None = None

    _end_after_start = field_validator("end")(_after_start)

    @field_validator("style", mode="before")
    @classmethod
    def _preset_name(cls, value: Any) -> Any:
        return _preset_style(value)


class ShortsExportJob(JobRequest):
    """``shorts_export``: copy a run (clips, subtitles, thumbnails, manifest, CSV, EDL, FCPXML)."""

    input: RequiredPath = _input("manifest", description="the run's manifest.json")
    output_dir: RequiredPath = Field(description="the folder that receives the copies")


# -- transcript cuts -------------------------------------------------------------------------


class TranscriptCutJob(CutOptions):
    """``transcript_cut``: :class:`~media_core.transcript_edit.CutOptions` plus the file arguments
    of :func:`~media_core.transcript_edit.cut_by_transcript` (fillers, picked words and long
    pauses cut out in one pass; captions re-timed beside the output)."""

    model_config = _STRICT

    input: RequiredPath = _input("video", description="the talking-head video to tighten")
    #: Default: ``<outputs>/<name> (tightened).<ext>``.
    output: Path | None = None
    #: A transcript JSON (media_core.models.Transcript) to cut by; without it the video is
    #: transcribed first. ``remove_words`` index its words, so a preview and the job that
    #: renders it must use the same transcript.
    transcript: Path | None = None
    transcription: TranscriptionConfig | None = None
    encoder: EncoderSettings | None = None

    def options(self) -> CutOptions:
        return CutOptions.model_validate(self.model_dump(include=set(CutOptions.model_fields)))


# -- utility ---------------------------------------------------------------------------------


class TranscodeJob(JobRequest):
    """``ffmpeg_transcode``: re-encode ``input`` to ``output`` with ffmpeg."""

    #: A file, or a lavfi graph with ``lavfi=True`` (tests, demos).
    input: str = Field(min_length=1)
    lavfi: bool = False
    #: Default: ``outputs_dir()/<input stem>.mp4``.
    output: Path | None = None
    #: Extra output arguments, e.g. ``["-c:v", "libx264"]``.
    args: list[str | int | float] = Field(default_factory=list)
    #: Seconds, for progress; probed when omitted.
    duration: float | None = Field(None, gt=0)
    #: Read the input at its native speed (``-re``).
    realtime: bool = False


__all__ = [
    "BurnJob",
    "CaptionsJob",
    "CutJob",
    "JobRequest",
    "MergeAVJob",
    "ReframeJob",
    "RenderJob",
    "RequiredPath",
    "ShortsExportJob",
    "ShortsJob",
    "ShortsRerenderJob",
    "TranscodeJob",
    "TranscriptCutJob",
    "TranslateShortsJob",
    "TranslateSubtitlesJob",
]
