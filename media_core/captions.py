"""The captions job: media file → transcript → readable cues → subtitle files.

Progress: probing 0–2 %, transcription 2–95 % (2–85 % when a translation follows),
writing 95–100 %. All files of one job appear together or not at all: they are
written to temporary siblings first and renamed only when every one succeeded, so
a cancel or a full disk never leaves a half set behind.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import InvalidParameterError, NoAudioStreamError, ReframeError, error_from_oserror
from .models import SubtitleLine, Transcript
from .paths import outputs_dir, temp_path_for
from .progress import CancelToken, LogFn, ProgressFn, as_progress, as_token
from .subtitles.formats import FORMATS, speaker_prefix, subtitles_to_string
from .subtitles.grouping import GroupingOptions, group_words
from .transcription.config import TranscriptionConfig

#: Formats a translation is also written in (TXT/JSON stay in the spoken language).
_TRANSLATABLE = ("srt", "vtt", "ass")


class CaptionsRequest(BaseModel):
    """Everything a captions job needs besides the input file.

    Flat keys are accepted too (``{"model": "base", "max_lines": 1, "output_dir": …}``):
    each is routed to ``transcription`` or ``grouping`` by name, so job parameters and
    saved settings do not have to mirror the nesting.
    """

    model_config = ConfigDict(populate_by_name=True)

    transcription: TranscriptionConfig = Field(default_factory=TranscriptionConfig)
    grouping: GroupingOptions = Field(default_factory=GroupingOptions)
    formats: list[str] = Field(default_factory=lambda: ["srt"])
    #: Output folder; default ``outputs_dir()/<input stem>``.
    out_dir: Path | None = Field(default=None, alias="output_dir")
    #: File name without extension; default the input's stem.
    basename: str | None = None
    #: Also write translated SRT/VTT/ASS (``<basename>.<lang>.srt``), one set per target language.
    #: Accepts ``"es"``, ``"es,fr,de"`` or a list.
    translate_to: list[str] = Field(default_factory=list)
    #: Find who speaks when and label every word and line with its speaker.
    diarize: bool = False
    #: Exact number of speakers when known (else estimated, within min/max when given).
    speakers: int | None = Field(default=None, ge=1, le=20)
    min_speakers: int | None = Field(default=None, ge=1, le=20)
    max_speakers: int | None = Field(default=None, ge=1, le=20)
    #: SRT/VTT speaker prefix: ``brackets`` → "[Ana] Hi", ``colon`` → "Ana: Hi", ``none``.
    speaker_label: Literal["brackets", "colon", "none"] = "brackets"
    #: Display names for the detected speakers (``{"Speaker 1": "Ana"}``).
    speaker_names: dict[str, str] = Field(default_factory=dict)
    diarization_backend: Literal["offline", "pyannote", "speechbrain"] = "offline"

    @model_validator(mode="before")
    @classmethod
    def _route_flat_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for group, model in (("transcription", TranscriptionConfig), ("grouping", GroupingOptions)):
            nested = data.get(group)
            nested = dict(nested) if isinstance(nested, dict) else ({} if nested is None else nested)
            if isinstance(nested, dict):
                for name in model.model_fields:
                    if name in data:
                        nested[name] = data.pop(name)
                data[group] = nested
        transcription = data.get("transcription")
        if isinstance(transcription, dict) and str(transcription.get("language") or "").lower() in ("auto", ""):
            transcription["language"] = None
        return data

    @field_validator("formats", mode="before")
    @classmethod
    def _split_formats(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        return value

    @field_validator("formats")
    @classmethod
    def _check_formats(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for fmt in value:
            fmt = fmt.strip().lower().lstrip(".")
            if not fmt:
                continue
            if fmt not in FORMATS:
                raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
            if fmt not in out:
                out.append(fmt)
        if not out:
            raise ValueError("choose at least one output format")
        return out

    @field_validator("basename")
    @classmethod
    def _check_basename(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or any(sep in value for sep in ("/", "\\", "\0"))):
            raise ValueError("basename must be a plain file name without folders")
        return value

    @model_validator(mode="after")
    def _check_speakers(self) -> CaptionsRequest:
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise ValueError("min_speakers must not exceed max_speakers")
        return self

    def diarization_options(self):
        from .diarization import DiarizationOptions

        return DiarizationOptions(
            num_speakers=self.speakers, min_speakers=self.min_speakers, max_speakers=self.max_speakers
        )

    @field_validator("translate_to", mode="before")
    @classmethod
    def _split_targets(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, (list, tuple)):
            targets: list[str] = []
            for item in value:
                code = str(item).strip()
                if code and code not in targets:
                    targets.append(code)
            return targets
        return value


class CaptionsResult(BaseModel):
    #: Format (``srt``, ``vtt``, …, and ``srt.<lang>`` for translations) → written file.
    outputs: dict[str, Path]
    transcript: Transcript
    lines: list[SubtitleLine]
    elapsed: float = 0.0

    def output_files(self) -> list[tuple[Path, str]]:
        """The files written, each with its kind (the format, ``srt.<lang>`` for a translation)."""
        return [(path, kind) for kind, path in self.outputs.items()]


def output_paths(input_path: str | os.PathLike, request: CaptionsRequest) -> dict[str, Path]:
    """Where each requested file will go (without translations)."""
    source = Path(input_path)
    folder = Path(request.out_dir) if request.out_dir is not None else outputs_dir() / source.stem
    base = request.basename or source.stem
    return {fmt: folder / f"{base}.{fmt}" for fmt in request.formats}


def generate_captions(
    input: str | os.PathLike,
    request: CaptionsRequest | None = None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> CaptionsResult:
    """Transcribe ``input`` (audio or video) and write the requested subtitle formats."""
    from .probe import probe
    from .transcription import transcribe
    from .url_source import is_url, resolve_input

    request = request or CaptionsRequest()
    report, token = as_progress(progress), as_token(cancel)
    say = log or (lambda message: None)
    started = time.perf_counter()
    if is_url(input):
        input = resolve_input(input, progress=report.span(0.0, 0.3, "downloading"), cancel=token, log=say)
        report = report.span(0.3, 1.0)

    report(0.0, "checking the file")
    info = probe(input)
    if info.audio is None:
        raise NoAudioStreamError(f"{Path(input).name} has no audio track, so there is nothing to transcribe.")
    token.raise_if_cancelled()
    say(f"input: {info.container}, {info.duration:.1f} s, audio {info.audio.codec}")
    if info.audio.duration and info.duration - info.audio.duration > 1.0:
        say(f"the audio track is {info.audio.duration:.1f} s, shorter than the file ({info.duration:.1f} s)")
    report(0.02, "checking the file")

    transcribe_end = 0.85 if request.translate_to else 0.95
    diarize_span = (transcribe_end - 0.2, transcribe_end) if request.diarize else None
    if diarize_span:
        transcribe_end = diarize_span[0]
    transcript = transcribe(input, request.transcription, progress=report.span(0.02, transcribe_end), cancel=token)
    token.raise_if_cancelled()
    say(f"transcribed: language {transcript.language}, {len(transcript.words)} words")
    for note in transcript.meta.get("notes", []):
        say(note)
    if diarize_span:
        transcript = _diarize(input, transcript, request, report.span(*diarize_span, "finding speakers"), token, say)
    lines = group_words(transcript.words, request.grouping)
    say(f"grouped into {len(lines)} subtitle lines")

    paths = output_paths(input, request)
    style = request.speaker_label
    contents = {fmt: subtitles_to_string(lines, fmt, transcript, speaker_style=style) for fmt in paths}
    targets = request.translate_to
    folder, base = next(iter(paths.values())).parent, request.basename or Path(input).stem
    for index, tgt in enumerate(targets):
        span = report.span(0.85 + 0.1 * index / len(targets), 0.85 + 0.1 * (index + 1) / len(targets), "translating")
        translated = _translate(lines, transcript.language, tgt, span, token, say)
        for fmt in [f for f in request.formats if f in _TRANSLATABLE] or ["srt"]:
            key = f"{fmt}.{tgt}"
            paths[key] = folder / f"{base}.{tgt}.{fmt}"
            contents[key] = subtitles_to_string(translated, fmt, speaker_style=style)
    token.raise_if_cancelled()
    report(0.95, "writing files")
    _write_all(paths, contents, token)
    for path in paths.values():
        say(f"wrote {path}")
    report(1.0, "done")
    return CaptionsResult(
        outputs=paths, transcript=transcript, lines=lines, elapsed=round(time.perf_counter() - started, 3)
    )


def rename_speakers_in_outputs(
    outputs: dict[str, str | os.PathLike], names: dict[str, str], speaker_label: str = "brackets"
) -> dict[str, Path]:
    """Rename speakers in a finished captions job's files, from its word-level JSON.

    ``outputs`` maps formats (``srt``, ``json``, …) to the files the job wrote; the JSON is
    required (it holds every word's speaker). Every file is rewritten with the new names, all
    or none, so later re-renders and exports show them. Translated files keep their text and
    get the new names in their cues.
    """
    from .diarization import rename_speakers
    from .subtitles.formats import read_subtitles

    if "json" not in outputs:
        raise InvalidParameterError("Renaming speakers needs the job's JSON transcript (tick the JSON format).")
    names = {old: new.strip() for old, new in names.items() if new and new.strip() and new.strip() != old}
    json_path = Path(outputs["json"])
    transcript = rename_speakers(Transcript.model_validate_json(json_path.read_text(encoding="utf-8")), names)
    old_lines = read_subtitles(json_path)
    lines = [
        line.model_copy(
            update={
                "speaker": names.get(line.speaker, line.speaker) if line.speaker else None,
                "words": [w.model_copy(update={"speaker": names.get(w.speaker or "", w.speaker)}) for w in line.words],
            }
        )
        for line in old_lines
    ]
    contents: dict[str, str] = {}
    paths: dict[str, Path] = {}
    for key, path in outputs.items():
        fmt = key.split(".")[0]
        if fmt not in FORMATS:
            continue
        paths[key] = Path(path)
        if "." in key:  # a translation: same cues and timing, its own text
            translated = [
                cue.model_copy(update={"speaker": line.speaker, "text": _strip_prefix(cue.text, old.speaker)})
                for cue, old, line in zip(read_subtitles(path), old_lines, lines, strict=False)
            ]
            contents[key] = subtitles_to_string(translated, fmt, speaker_style=speaker_label)
        else:
            contents[key] = subtitles_to_string(lines, fmt, transcript, speaker_style=speaker_label)
    _write_all(paths, contents, as_token(None))
    return paths


def _strip_prefix(text: str, speaker: str | None) -> str:
    """Cue text without the speaker prefix an SRT/VTT export put in front of it."""
    for style in ("brackets", "colon"):
        prefix = speaker_prefix(speaker, style)
        if prefix and text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _diarize(
    input: str | os.PathLike, transcript: Transcript, request: CaptionsRequest, report, token: CancelToken, say: LogFn
) -> Transcript:
    from .diarization import diarize_file, label_transcript, rename_speakers

    result = diarize_file(
        input, request.diarization_options(), backend=request.diarization_backend, progress=report, cancel=token
    )
    say(f"speakers: {len(result.speakers)} found ({result.backend})")
    labelled = label_transcript(transcript, result.turns)
    return rename_speakers(labelled, request.speaker_names)


def _translate(
    lines: list[SubtitleLine], src: str, tgt: str, report, token: CancelToken, say: LogFn
) -> list[SubtitleLine]:
    from .translation.subtitles import resolve_translator, translate_lines

    if not src or src == "und":
        raise InvalidParameterError(
            "The spoken language could not be detected, so the captions cannot be "
            "translated: choose the language explicitly."
        )
    translator = resolve_translator("auto", src, tgt, log=say)
    say(f"translating {src} → {tgt} with {getattr(translator, 'name', type(translator).__name__)}")
    return translate_lines(lines, translator, src, tgt, progress=report, cancel=token, log=say)


def _write_all(paths: dict[str, Path], contents: dict[str, str], token: CancelToken) -> None:
    """Write every file to a temporary sibling, then rename them all: all files or none."""
    temps: dict[str, Path] = {}
    current: Path | None = None
    try:
        for key, final in paths.items():
            token.raise_if_cancelled()
            current = final
            final.parent.mkdir(parents=True, exist_ok=True)
            temps[key] = tmp = temp_path_for(final)
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(contents[key])
                fh.flush()
                os.fsync(fh.fileno())
        token.raise_if_cancelled()
        for key, final in paths.items():
            current = final
            os.replace(temps[key], final)
            del temps[key]
    except OSError as exc:
        mapped = error_from_oserror(exc, current)
        if mapped is not None:
            raise mapped from exc
        raise ReframeError(f"Could not write {current}: {exc.strerror or exc}", detail=repr(exc)) from exc
    finally:
        for tmp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
