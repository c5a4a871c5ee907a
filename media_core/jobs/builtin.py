"""Built-in job types: typed adapters from a validated job request to one engine call.

Each job type declares its request model (:mod:`.requests`); the manager validates params
with it at submit time, and the job function receives the validated request and calls the
engine with explicit arguments. Outputs are what the engine result names
(``output_files()``), never guessed from field names.

The engine functions are imported inside each job function. The request models, and with
them the engine's model modules (PyAV through probe, the shorts package), load with the job
types on the first registry lookup, never when the job system is imported; faster-whisper and
the translators' libraries still load only when a job runs.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputNotFoundError
from ..ffmpeg import run_ffmpeg
from ..paths import atomic_output, outputs_dir
from .context import JobContext
from .models import Job, JobOutcome
from .registry import job_type
from .requests import (
    BurnJob,
    CaptionsJob,
    CutJob,
    MergeAVJob,
    ReframeJob,
    RenderJob,
    ShortsExportJob,
    ShortsJob,
    ShortsRerenderJob,
    TranscodeJob,
    TranscriptCutJob,
    TranslateShortsJob,
    TranslateSubtitlesJob,
    engine_arguments,
)


@job_type("captions", request=CaptionsJob, heavy=True, title="Captions")
def captions_job(request: CaptionsJob, ctx: JobContext) -> JobOutcome:
    from ..captions import generate_captions

    result = generate_captions(request.input, request, progress=ctx.progress, cancel=ctx.cancel, log=ctx.log)
    return JobOutcome(outputs=result.output_files())


@job_type("translate_subtitles", request=TranslateSubtitlesJob, heavy=False, title="Translate subtitles")
def translate_subtitles_job(request: TranslateSubtitlesJob, ctx: JobContext) -> JobOutcome:
    """One language, or several in one job (one set of files per language, each language's
    translator loaded once). There is no ``api_key`` param (params are stored and shown): the
    cloud key comes from the settings."""
    from ..translation.subtitles import split_targets, translate_subtitle_file, translate_subtitle_file_many

    targets = split_targets(request.tgt)
    options = {**engine_arguments(request, "input", "tgt", "src", "out_dir"), **ctx.callbacks()}
    if len(targets) == 1 and request.out_dir is None:
        result = translate_subtitle_file(request.input, targets[0], request.src, **options)
        return JobOutcome(outputs=result.output_files())
    results = translate_subtitle_file_many(request.input, targets, request.src, out_dir=request.out_dir, **options)
    return JobOutcome(
        outputs=[f for r in results for f in r.output_files()],
        result={"languages": [r.tgt for r in results], "backends": {r.tgt: r.backend for r in results}},
    )


@job_type("translate_shorts", request=TranslateShortsJob, heavy=False, title="Translate shorts titles")
def translate_shorts_job(request: TranslateShortsJob, ctx: JobContext) -> JobOutcome:
    """The manifest is updated in place and stays the shorts run's file: it is named in
    ``result``, not registered as this job's output, so deleting this job's files can
    never delete it."""
    from ..translation.shorts_manifest import translate_shorts_manifest

    result = translate_shorts_manifest(
        request.input,
        request.tgt,
        request.src,
        backend=request.backend,
        offline=request.offline,
        cloud_base_url=request.cloud_base_url,
        cloud_model=request.cloud_model,
        **ctx.callbacks(),
    )
    return JobOutcome(
        result={
            "manifest": str(result.manifest),
            "src": result.src,
            "tgt": result.tgt,
            "backend": result.backend,
            "clips": result.clips,
            "skipped": result.skipped,
        }
    )


@job_type("render_styled", request=RenderJob, heavy=True, title="Render")
def render_styled_job(request: RenderJob, ctx: JobContext) -> JobOutcome:
    """One ffmpeg run: trim, reframe, burned captions, encode."""
    from ..render import execute

    result = execute(request, progress=ctx.progress, cancel=ctx.cancel, log=ctx.log)
    return JobOutcome(outputs=result.output_files())


@job_type("burn", request=BurnJob, heavy=True, title="Burn subtitles")
def burn_job(request: BurnJob, ctx: JobContext) -> JobOutcome:
    from ..render.operations import burn_subtitles

    result = burn_subtitles(request.input, **engine_arguments(request, "input"), **ctx.callbacks())
    return JobOutcome(outputs=result.output_files())


@job_type("merge_av", request=MergeAVJob, heavy=True, title="Merge video + audio")
def merge_av_job(request: MergeAVJob, ctx: JobContext) -> JobOutcome:
    from ..render.audio_ops import merge_video_audio

    result = merge_video_audio(request.input, **engine_arguments(request, "input"), **ctx.callbacks())
    return JobOutcome(outputs=result.output_files())


@job_type("cut", request=CutJob, heavy=True, title="Cut")
def cut_job(request: CutJob, ctx: JobContext) -> JobOutcome:
    from ..render.operations import cut

    result = cut(
        request.input,
        request.start,
        request.end,
        request.out,
        request.reencode,
        encoder=request.encoder,
        **ctx.callbacks(),
    )
    return JobOutcome(outputs=result.output_files())


@job_type("reframe", request=ReframeJob, heavy=True, title="Reframe")
def reframe_job(request: ReframeJob, ctx: JobContext) -> JobOutcome:
    from ..render.operations import reframe

    result = reframe(
        request.input,
        request.out,
        request.aspect,
        request.strategy,
        request.focus_x,
        height=request.height,
        follow_faces=request.follow_faces,
        layout=request.follow.layout if request.follow else request.layout,
        split_speakers=request.follow.split_speakers if request.follow else request.split_speakers,
        speaker_hints=request.follow.speaker_hints if request.follow else request.speaker_hints,
        encoder=request.encoder,
        **ctx.callbacks(),
    )
    return JobOutcome(outputs=result.output_files())


def _shorts_cleanup(job: Job) -> None:
    """A shorts run killed mid-render leaves finished clips without a manifest: remove them."""
    from ..shorts.runs import sweep_abandoned_runs

    params = job.params
    folders = [Path(p) for p in (params.get("output_dir"), params.get("output_root")) if p] or [outputs_dir()]
    sweep_abandoned_runs(*folders)


@job_type("shorts", request=ShortsJob, heavy=True, title="Shorts", cleanup=_shorts_cleanup)
def shorts_job(request: ShortsJob, ctx: JobContext) -> JobOutcome:
    """Finds the clips (unless ``clips`` gives edited ones) and renders them.

    Each run writes into a folder of its own (``output_dir``, or a new "<video> shorts N" folder
    under ``output_root``); a cancelled or failed run removes what it wrote."""
    from ..progress import Progress
    from ..shorts.pipeline import find_shorts, render_shorts

    engine_request = request.shorts_request()
    report = Progress(ctx.progress)
    clips, transcript_path, scorer = request.clips, None, None
    if clips is None:
        plan = find_shorts(
            request.input,
            engine_request,
            progress=report.span(0.0, 0.5, "Finding shorts"),
            cancel=ctx.cancel,
            log=ctx.log,
        )
        clips, transcript_path, scorer = plan.clips, plan.transcript_path, plan.scorer_used
    result = render_shorts(
        request.input,
        engine_request,
        clips,
        transcript_path=transcript_path,
        scorer=scorer,
        progress=report.span(0.5, 1.0, "Rendering"),
        cancel=ctx.cancel,
        log=ctx.log,
    )
    return JobOutcome(
        outputs=result.output_files(),
        result={"clips": len(result.clips), "output_dir": str(result.output_dir), "manifest": result.manifest_path},
    )


@job_type("shorts_rerender", request=ShortsRerenderJob, heavy=True, title="Re-render short")
def shorts_rerender_job(request: ShortsRerenderJob, ctx: JobContext) -> JobOutcome:
    """Re-renders one clip with the run's settings and rewrites the run's exports.

    No outputs are registered: the files belong to the run's own job, and deleting this job with
    its files must not take a clip out of that run."""
    from ..shorts.pipeline import rerender_from_manifest

    result = rerender_from_manifest(
        request.input,
        request.clip_id,
        request.start,
        request.end,
        style=request.style,
        **ctx.callbacks(),
    )
    clip = next(c for c in result.clips if c.id == request.clip_id)
    return JobOutcome(
        result={
            "manifest": result.manifest_path,
            "clip_id": request.clip_id,
            "video": clip.video_path,
            "start": clip.start,
            "end": clip.end,
            "title": clip.title,
        }
    )


@job_type("shorts_export", request=ShortsExportJob, heavy=False, title="Export shorts")
def shorts_export_job(request: ShortsExportJob, ctx: JobContext) -> JobOutcome:
    """Every clip's video/SRT/ASS/thumbnail and a manifest, CSV, EDL and FCPXML naming the copies."""
    from ..shorts.runs import export_run

    result = export_run(request.input, request.output_dir, progress=ctx.progress, cancel=ctx.cancel, log=ctx.log)
    return JobOutcome(
        outputs=result.output_files(), result={"clips": len(result.clips), "output_dir": str(result.output_dir)}
    )


# -- a self-contained utility job (also what the job system's own tests run) -------------


@job_type("transcript_cut", request=TranscriptCutJob, heavy=True, title="Tighten (cut by transcript)")
def transcript_cut_job(request: TranscriptCutJob, ctx: JobContext) -> JobOutcome:
    """Fillers, picked words and long pauses cut out in one pass; captions re-timed."""
    from ..transcript_edit import cut_by_transcript

    result = cut_by_transcript(
        request.input,
        request.output,
        request.options(),
        transcript_path=request.transcript,
        transcription=request.transcription,
        encoder=request.encoder,
        **ctx.callbacks(),
    )
    summary = {"removed": round(result.plan.removed, 3), "cuts": len(result.plan.removals), "duration": result.duration}
    return JobOutcome(outputs=[(result.output, "video"), (result.subtitles, "srt")], result=summary)


@job_type("ffmpeg_transcode", request=TranscodeJob, heavy=True, title="Convert")
def ffmpeg_transcode_job(request: TranscodeJob, ctx: JobContext) -> JobOutcome:
    """Re-encode ``input`` (a file, or a lavfi graph) to ``output`` with ffmpeg."""
    source, lavfi = request.input, request.lavfi
    if not lavfi and not Path(source).is_file():
        raise InputNotFoundError(f"Input file not found: {source}")
    output = request.output or outputs_dir() / f"{Path(source).stem if not lavfi else 'lavfi'}.mp4"
    duration = request.duration
    if duration is None and not lavfi:
        from ..probe import probe

        duration = probe(source).duration
    pre = ["-re"] if request.realtime else []
    if lavfi:
        pre += ["-f", "lavfi"]
    with atomic_output(output) as tmp:
        run_ffmpeg(
            [*pre, "-i", source, *[str(a) for a in request.args], str(tmp)],
            duration=duration,
            progress=ctx.progress,
            cancel=ctx.cancel,
            log=ctx.log,
            stage="Encoding",
        )
    ctx.add_output(output, "video" if output.suffix.lower() in (".mp4", ".mkv", ".mov", ".webm") else "")
    return JobOutcome(result={"output": str(output)})
