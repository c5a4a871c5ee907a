"""Built-in job types: thin adapters from JSON params to engine functions.

Engine modules are imported inside each job function, so importing the job system
stays cheap (the desktop starts without loading faster-whisper or PyAV).

Engine job params are ``{"input": <path>, **request_fields}``: ``input`` is the
engine function's first argument and the remaining keys build its request model
(or are its keyword arguments). Outputs are found in the engine's result (see
:func:`_harvest_outputs`).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import InvalidParameterError
from ..ffmpeg import run_ffmpeg
from ..paths import atomic_output, outputs_dir
from .context import JobContext
from .models import JobOutcome
from .registry import job_type

_PATH_FIELD_NAMES = {
    "output",
    "path",
    "output_path",
    "outputs",
    "manifest_path",
    "csv_path",
    "edl_path",
    "fcpxml_path",
    "srt_path",
    "ass_path",
    "vtt_path",
    "video_path",
    "thumbnail_path",
}


def _call_engine(fn: Callable, req_cls: type | None, params: dict, ctx: JobContext) -> JobOutcome:
    """Call ``fn(input, req_cls(**rest), progress=, cancel=[, log=])``."""
    params = dict(params)
    source = params.pop("input", None)
    if not source:
        raise InvalidParameterError("The job has no input file.")
    kwargs: dict[str, Any] = {"progress": ctx.progress, "cancel": ctx.cancel}
    accepted = inspect.signature(fn).parameters
    for name in ("log", "log_fn"):
        if name in accepted:
            kwargs[name] = ctx.log
    if req_cls is not None:
        try:
            req = req_cls(**params)
        except Exception as exc:  # pydantic ValidationError → a readable parameter error
            raise InvalidParameterError(f"Invalid settings for this job: {exc}", detail=repr(exc)) from exc
        result = fn(source, req, **kwargs)
    else:
        result = fn(source, **params, **kwargs)
    outcome = JobOutcome(outputs=_harvest_outputs(result))
    return outcome


def _harvest_outputs(result: Any, kind: str = "", depth: int = 0) -> list[tuple[Path, str]]:
    """Existing files named by an engine result: a path, a {kind: path} dict, lists, or
    path-like fields of a pydantic result (``outputs``, ``*_path``), searched a few levels deep."""
    found: list[tuple[Path, str]] = []
    if result is None or depth > 3:
        return found
    if isinstance(result, (str, os.PathLike)):
        path = Path(result)
        if path.is_file():
            found.append((path, kind or path.suffix.lstrip(".").lower()))
    elif isinstance(result, dict):
        for key, value in result.items():
            found += _harvest_outputs(value, str(key), depth + 1)
    elif isinstance(result, (list, tuple)):
        for value in result:
            found += _harvest_outputs(value, kind, depth + 1)
    elif isinstance(result, BaseModel):
        for name in type(result).model_fields:
            value = getattr(result, name, None)
            if name in _PATH_FIELD_NAMES or name.endswith("_path"):
                found += _harvest_outputs(
                    value, "" if name in ("outputs", "output", "path") else name.removesuffix("_path"), depth + 1
                )
            elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
                found += _harvest_outputs(value, "", depth + 1)
    unique: dict[Path, str] = {}
    for path, k in found:
        unique.setdefault(path, k)
    return list(unique.items())


# -- engine job types (modules written by other helpers) ---------------------------------


def _input_as_first_argument(params: dict, accepted) -> dict:
    """Every job names its main file ``input`` (what the job store records as the input asset),
    whatever the engine function calls its first argument (``video``, ``path``...)."""
    first = next(iter(accepted), None)
    if "input" not in params or "input" in accepted or first is None or first in params:
        return params
    params = dict(params)
    params[first] = params.pop("input")
    return params


def _call_kwargs(fn: Callable, params: dict, ctx: JobContext) -> JobOutcome:
    """Call ``module.name(**params, progress=, cancel=[, log_fn=])``: params use the function's own
    argument names (``input`` may name the first one); an ``encoder`` dict becomes render EncoderSettings."""
    accepted = inspect.signature(fn).parameters
    params = _input_as_first_argument(params, accepted)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise InvalidParameterError(
            f"Unknown settings for this job: {', '.join(unknown)}.",
            detail=f"{fn.__module__}.{fn.__name__} accepts {', '.join(accepted)}",
        )
    params = dict(params)
    if isinstance(params.get("encoder"), dict):
        from ..render import EncoderSettings

        params["encoder"] = EncoderSettings(**params["encoder"])
    kwargs: dict[str, Any] = {"progress": ctx.progress, "cancel": ctx.cancel}
    for log_name in ("log", "log_fn"):
        if log_name in accepted:
            kwargs[log_name] = ctx.log
    try:
        inspect.signature(fn).bind(**params, **kwargs)
    except TypeError as exc:
        raise InvalidParameterError(f"Missing or invalid settings for this job: {exc}") from exc
    return JobOutcome(outputs=_harvest_outputs(fn(**params, **kwargs)))


@job_type("captions", heavy=True, title="Captions")
def captions_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: ``input`` + CaptionsRequest fields."""
    from ..captions import CaptionsRequest, generate_captions

    return _call_engine(generate_captions, CaptionsRequest, params, ctx)


@job_type("translate_subtitles", heavy=False, title="Translate subtitles")
def translate_subtitles_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: translate_subtitle_file arguments (``path``, ``tgt``, ``src``, ``backend``, ``bilingual``, ``out``,
    ``cloud_base_url``, ``cloud_model``…); ``input`` is accepted for ``path``. There is no ``api_key``
    param (params are stored and shown): the cloud key comes from the engine settings.

    Several languages in one job: ``tgt`` as a list or ``"es,fr,de"`` (or ``targets``), with
    ``out_dir`` for the folder receiving one ``<name>.<lang>.<ext>`` per language; each
    language's translator is loaded once (translate_subtitle_file_many)."""
    from ..translation.subtitles import split_targets, translate_subtitle_file, translate_subtitle_file_many

    params = dict(params)
    targets = params.pop("targets", None) or params.get("tgt")
    if "out_dir" not in params and (targets is None or len(split_targets(targets)) == 1):
        if targets is not None:
            params["tgt"] = split_targets(targets)[0]
        return _call_kwargs(translate_subtitle_file, params, ctx)
    params.pop("tgt", None)
    accepted = set(inspect.signature(translate_subtitle_file).parameters) | {"input", "out_dir"}
    unknown = sorted(set(params) - accepted - {"tgt"})
    if unknown:
        raise InvalidParameterError(f"Unknown settings for this job: {', '.join(unknown)}.")
    source = params.pop("input", None) or params.pop("path", None)
    if not source:
        raise InvalidParameterError("The job has no input file.")
    results = translate_subtitle_file_many(
        source, targets or [], progress=ctx.progress, cancel=ctx.cancel, log=ctx.log, **params
    )
    return JobOutcome(
        outputs=_harvest_outputs(results),
        result={"languages": [r.tgt for r in results], "backends": {r.tgt: r.backend for r in results}},
    )


@job_type("translate_shorts", heavy=False, title="Translate shorts titles")
def translate_shorts_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: translate_shorts_manifest arguments (``manifest_path`` or ``input``, ``tgt``, ``src``, ``backend``,
    ``offline``, ``cloud_base_url``, ``cloud_model``). The manifest is updated in place and stays the shorts
    run's file: it is named in ``result``, not registered as this job's output, so deleting this job's
    files can never delete it."""
    import functools

    from ..translation.shorts_manifest import translate_shorts_manifest

    done = {}

    # Same signature (inspect follows __wrapped__), so _call_kwargs validates params as usual;
    # the wrapper only keeps the result for the summary.
    @functools.wraps(translate_shorts_manifest)
    def run(*args, **kwargs):
        done["result"] = translate_shorts_manifest(*args, **kwargs)
        return None

    outcome = _call_kwargs(run, params, ctx)
    result = done["result"]
    outcome.result = {
        "manifest": str(result.manifest),
        "src": result.src,
        "tgt": result.tgt,
        "backend": result.backend,
        "clips": result.clips,
        "skipped": result.skipped,
    }
    return outcome


@job_type("render_styled", heavy=True, title="Render")
def render_styled_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: a RenderPlan (input, output, trim, reframe, subtitles, encoder) as JSON: one ffmpeg run."""
    from ..render import RenderPlan, execute

    try:
        plan = RenderPlan(**params)
    except Exception as exc:  # pydantic ValidationError → a readable parameter error
        raise InvalidParameterError(f"Invalid render settings: {exc}", detail=repr(exc)) from exc
    result = execute(plan, progress=ctx.progress, cancel=ctx.cancel, log_fn=ctx.log)
    return JobOutcome(outputs=_harvest_outputs(result))


@job_type("burn", heavy=True, title="Burn subtitles")
def burn_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: burn_subtitles arguments (``video``, ``subs``, ``out``, ``style``, ``fonts_dir``, ``encoder``)."""
    from ..render.operations import burn_subtitles

    return _call_kwargs(burn_subtitles, params, ctx)


@job_type("merge_av", heavy=True, title="Merge video + audio")
def merge_av_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: merge_video_audio arguments (``video``, ``audio``, ``out``, ``offset``, ``mode``, ``ducking``…)."""
    from ..render.audio_ops import merge_video_audio

    return _call_kwargs(merge_video_audio, params, ctx)


@job_type("cut", heavy=True, title="Cut")
def cut_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: cut arguments (``video``, ``start``, ``end``, ``out``, ``reencode``, ``encoder``)."""
    from ..render.operations import cut

    return _call_kwargs(cut, params, ctx)


@job_type("reframe", heavy=True, title="Reframe")
def reframe_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: reframe arguments (``video``, ``out``, ``aspect``, ``strategy``, ``focus_x``, ``height``, ``encoder``)."""
    from ..render.operations import reframe

    return _call_kwargs(reframe, params, ctx)


def _shorts_cleanup(job) -> None:
    """A shorts run killed mid-render leaves finished clips without a manifest: remove them."""
    from ..shorts.runs import sweep_abandoned_runs

    params = job.params
    folders = [Path(p) for p in (params.get("output_dir"), params.get("output_root")) if p] or [outputs_dir()]
    sweep_abandoned_runs(*folders)


@job_type("shorts", heavy=True, title="Shorts", cleanup=_shorts_cleanup)
def shorts_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: ``input`` + ShortsRequest fields; optional ``clips`` (edited ShortClip dicts) skips the search.

    Each run writes into a folder of its own (``output_dir``, or a new "<video> shorts N" folder
    under ``output_root``); a cancelled or failed run removes what it wrote."""
    from ..progress import Progress
    from ..shorts.models import ShortClip, ShortsRequest
    from ..shorts.pipeline import find_shorts, render_shorts

    params = dict(params)
    source = params.pop("input", None)
    if not source:
        raise InvalidParameterError("The job has no input file.")
    clips = params.pop("clips", None)
    try:
        request = ShortsRequest(**params)
        clips = [ShortClip(**c) for c in clips] if clips else None
    except Exception as exc:
        raise InvalidParameterError(f"Invalid shorts settings: {exc}", detail=repr(exc)) from exc
    report = Progress(ctx.progress)
    transcript_path = scorer = None
    if clips is None:
        plan = find_shorts(
            source, request, progress=report.span(0.0, 0.5, "Finding shorts"), cancel=ctx.cancel, log=ctx.log
        )
        clips, transcript_path, scorer = plan.clips, plan.transcript_path, plan.scorer_used
    result = render_shorts(
        source,
        request,
        clips,
        transcript_path=transcript_path,
        scorer=scorer,
        progress=report.span(0.5, 1.0, "Rendering"),
        cancel=ctx.cancel,
        log=ctx.log,
    )
    return JobOutcome(
        outputs=_harvest_outputs(result),
        result={"clips": len(result.clips), "output_dir": str(result.output_dir), "manifest": result.manifest_path},
    )


def _shorts_manifest_param(params: dict) -> str:
    manifest = params.get("manifest") or params.get("input")
    if not manifest:
        raise InvalidParameterError("The job names no shorts manifest.")
    return str(manifest)


@job_type("shorts_rerender", heavy=True, title="Re-render short")
def shorts_rerender_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: ``input`` (or ``manifest``): a shorts run's manifest.json; ``clip_id``; optional
    ``start``/``end`` (source seconds: move the clip) and ``style`` (a SubtitleStyle as a dict, or a
    preset name: the clip's own caption style). Re-renders that clip with the run's settings and
    rewrites the run's exports.

    No outputs are registered: the files belong to the run's own job, and deleting this job with
    its files must not take a clip out of that run."""
    from ..shorts.pipeline import rerender_from_manifest
    from ..styles import SubtitleStyle

    manifest = _shorts_manifest_param(params)
    try:
        clip_id = str(params["clip_id"])
        start = None if params.get("start") is None else float(params["start"])
        end = None if params.get("end") is None else float(params["end"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidParameterError(
            "A re-render needs clip_id (and numbers for start and end).", detail=repr(exc)
        ) from exc
    style = params.get("style")
    if isinstance(style, dict):
        try:
            style = SubtitleStyle(**style)
        except ValueError as exc:
            raise InvalidParameterError(f"Invalid caption style: {exc}", detail=repr(exc)) from exc
    result = rerender_from_manifest(
        manifest, clip_id, start, end, style=style, progress=ctx.progress, cancel=ctx.cancel, log=ctx.log
    )
    clip = next(c for c in result.clips if c.id == clip_id)
    return JobOutcome(
        result={
            "manifest": result.manifest_path,
            "clip_id": clip_id,
            "video": clip.video_path,
            "start": clip.start,
            "end": clip.end,
            "title": clip.title,
        }
    )


@job_type("shorts_export", heavy=False, title="Export shorts")
def shorts_export_job(params: dict, ctx: JobContext) -> JobOutcome:
    """params: ``input`` (or ``manifest``): a shorts run's manifest.json; ``output_dir``: the folder that
    receives every clip's video/SRT/ASS/thumbnail and a manifest, CSV, EDL and FCPXML naming the copies."""
    from ..shorts.runs import export_run

    manifest = _shorts_manifest_param(params)
    dest = params.get("output_dir")
    if not dest:
        raise InvalidParameterError("Choose a folder to export the shorts to.")
    result = export_run(manifest, dest, progress=ctx.progress, cancel=ctx.cancel, log=ctx.log)
    return JobOutcome(
        outputs=_harvest_outputs(result), result={"clips": len(result.clips), "output_dir": str(result.output_dir)}
    )


# -- a self-contained utility job (also what the job system's own tests run) -------------


@job_type("ffmpeg_transcode", heavy=True, title="Convert")
def ffmpeg_transcode_job(params: dict, ctx: JobContext) -> JobOutcome:
    """Re-encode ``input`` to ``output`` with ffmpeg.

    params: ``input`` (file path, or a lavfi graph with ``"lavfi": true``), ``output``
    (path; default ``outputs_dir()/<input stem>.mp4``), ``args`` (extra output
    arguments, e.g. ``["-c:v", "libx264"]``), ``duration`` (seconds, for progress;
    probed when omitted), ``realtime`` (read input at native speed, ``-re``).
    """
    source = params.get("input")
    if not source:
        raise InvalidParameterError("The job has no input.")
    lavfi = bool(params.get("lavfi"))
    if not lavfi and not Path(source).is_file():
        from ..errors import InputNotFoundError

        raise InputNotFoundError(f"Input file not found: {source}")
    output = Path(params.get("output") or outputs_dir() / f"{Path(source).stem if not lavfi else 'lavfi'}.mp4")
    extra = params.get("args") or []
    if not isinstance(extra, list) or not all(isinstance(a, (str, int, float)) for a in extra):
        raise InvalidParameterError("'args' must be a list of ffmpeg arguments.")
    duration = params.get("duration")
    if duration is None and not lavfi:
        from ..probe import probe

        duration = getattr(probe(source), "duration", None)
    pre = ["-re"] if params.get("realtime") else []
    if lavfi:
        pre += ["-f", "lavfi"]
    with atomic_output(output) as tmp:
        run_ffmpeg(
            [*pre, "-i", str(source), *[str(a) for a in extra], str(tmp)],
            duration=duration,
            progress=ctx.progress,
            cancel=ctx.cancel,
            log_fn=ctx.log,
            stage="Encoding",
        )
    ctx.add_output(output, "video" if output.suffix.lower() in (".mp4", ".mkv", ".mov", ".webm") else "")
    return JobOutcome(result={"output": str(output)})
