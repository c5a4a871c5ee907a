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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import InvalidParameterError, NoAudioStreamError, ReframeError, error_from_oserror
from .models import SubtitleLine, Transcript
from .paths import outputs_dir, temp_path_for
from .progress import CancelToken, ProgressFn, as_progress, as_token
from .subtitles.formats import FORMATS, subtitles_to_string
from .subtitles.grouping import GroupingOptions, group_words
from .transcription.config import TranscriptionConfig

LogFn = Callable[[str], None]
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
    if not info.has_audio:
        raise NoAudioStreamError(f"{Path(input).name} has no audio track, so there is nothing to transcribe.")
    token.raise_if_cancelled()
    say(f"input: {info.container}, {info.duration:.1f} s, audio {info.audio.codec}")
    report(0.02, "checking the file")

    transcribe_end = 0.85 if request.translate_to else 0.95
    transcript = transcribe(input, request.transcription, progress=report.span(0.02, transcribe_end), cancel=token)
    token.raise_if_cancelled()
    say(f"transcribed: language {transcript.language}, {len(transcript.words)} words")
    lines = group_words(transcript.words, request.grouping)
    say(f"grouped into {len(lines)} subtitle lines")

    paths = output_paths(input, request)
    contents = {fmt: subtitles_to_string(lines, fmt, transcript) for fmt in paths}
    targets = request.translate_to
    folder, base = next(iter(paths.values())).parent, request.basename or Path(input).stem
    for index, tgt in enumerate(targets):
        span = report.span(0.85 + 0.1 * index / len(targets), 0.85 + 0.1 * (index + 1) / len(targets), "translating")
        translated = _translate(lines, transcript.language, tgt, span, token, say)
        for fmt in [f for f in request.formats if f in _TRANSLATABLE] or ["srt"]:
            key = f"{fmt}.{tgt}"
            paths[key] = folder / f"{base}.{tgt}.{fmt}"
            contents[key] = subtitles_to_string(translated, fmt)
    token.raise_if_cancelled()
    report(0.95, "writing files")
    _write_all(paths, contents, token)
    for path in paths.values():
        say(f"wrote {path}")
    report(1.0, "done")
    return CaptionsResult(
        outputs=paths, transcript=transcript, lines=lines, elapsed=round(time.perf_counter() - started, 3)
    )


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
