"""Render a transcript cut in ONE ffmpeg pass and write captions on the new clock.

Every kept span is trimmed out of the same decoded streams (``trim``/``atrim`` are frame-
and sample-exact, unlike ``select``/``aselect`` which keep whole audio frames) and joined
with ``concat``; each join gets a few milliseconds of audio fade so no cut clicks.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from pydantic import BaseModel, Field

from ..audio import decode_audio
from ..errors import InvalidParameterError, NoAudioStreamError
from ..ffmpeg import ffmpeg_info, run_ffmpeg
from ..models import Transcript, Word
from ..paths import atomic_output, new_work_dir, outputs_dir, write_text_atomic
from ..probe import check_input_file, probe
from ..progress import CancelToken, LogFn, ProgressFn, as_progress, as_token
from ..render import encoders
from ..render.plan import EncoderSettings
from ..subtitles import group_words, subtitles_to_string
from ..transcription import TranscriptionConfig
from .plan import CutOptions, CutPlan, Span, plan_cuts

#: Asks Whisper to write the "um"s and "uh"s it would otherwise leave out of a clean transcript.
DISFLUENT_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."


class TranscriptCutResult(BaseModel):
    output: Path
    subtitles: Path
    plan: CutPlan
    words: list[Word] = Field(default_factory=list)
    duration: float


def cut_by_transcript(
    video: str | os.PathLike,
    out: str | os.PathLike | None = None,
    options: CutOptions | None = None,
    *,
    transcript: Transcript | None = None,
    transcript_path: str | os.PathLike | None = None,
    transcription: TranscriptionConfig | None = None,
    plan: CutPlan | None = None,
    encoder: EncoderSettings | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> TranscriptCutResult:
    """Cut ``video`` by its transcript (given, read from a captions JSON, or made here) and
    write the shorter video plus its captions (``<out stem>.srt``) beside it.

    ``plan`` renders a plan the user already reviewed (the preview list of cuts) as it is."""
    source = check_input_file(video)
    report, token = as_progress(progress), as_token(cancel)
    say = log or (lambda message: None)
    info = probe(source)
    if not info.has_audio:
        raise NoAudioStreamError(f"{source.name} has no audio track, so there is no speech to cut by.")
    out_path = Path(out) if out else outputs_dir() / f"{source.stem} (tightened){source.suffix or '.mp4'}"
    if out_path.resolve() == source.resolve():
        raise InvalidParameterError("The cut video would overwrite its source; choose another output name.")
    transcript = _transcript(source, transcript, transcript_path, transcription, report.span(0.0, 0.45), token, say)
    if plan is None:
        report(0.45, "finding cuts")
        audio = decode_audio(source, cancel=token)
        fps = info.video.fps if info.has_video and info.video else None
        plan = plan_cuts(transcript.words, info.duration, options, language=transcript.language, audio=audio, fps=fps)
    token.raise_if_cancelled()
    for removal in plan.removals:
        what = f'"{removal.text}"' if removal.text else "pause"
        say(f"cut {removal.start:.3f}-{removal.end:.3f} s ({removal.reason}: {what})")
    say(f"keeping {len(plan.keep)} spans: {plan.output_duration:.3f} s of {plan.duration:.3f} s")
    words = plan.map_words(transcript.words)
    lines = group_words(words)
    subs_path = out_path.with_suffix(".srt")
    fade = (options or CutOptions()).crossfade
    enc = encoder or EncoderSettings()
    _render(source, out_path, plan, info.has_video, fade, enc, report.span(0.5, 0.98), token, say)
    write_text_atomic(subs_path, subtitles_to_string(lines, "srt"))
    report(1.0, "done")
    return TranscriptCutResult(
        output=out_path, subtitles=subs_path, plan=plan, words=words, duration=probe(out_path).duration
    )


def _transcript(source, transcript, transcript_path, config, report, token, say) -> Transcript:
    if transcript is not None:
        return transcript
    if transcript_path is not None:
        return Transcript.model_validate_json(Path(transcript_path).read_text(encoding="utf-8"))
    from ..transcription import transcribe

    config = config or TranscriptionConfig()
    if not config.initial_prompt:
        config = config.model_copy(update={"initial_prompt": DISFLUENT_PROMPT})
    say(f"transcribing with {config.model} to find the words")
    return transcribe(source, config, progress=report, cancel=token)


def filter_graph(keep: list[Span], has_video: bool, crossfade: float) -> tuple[str, list[str]]:
    """The ``-filter_complex`` graph and the ``-map`` labels for ``keep``."""
    n = len(keep)
    chains: list[str] = []
    streams = [("v", "0:v:0", "split")] if has_video else []
    streams.append(("a", "0:a:0", "asplit"))
    for kind, src, splitter in streams:
        if n > 1:
            chains.append(f"[{src}]{splitter}={n}" + "".join(f"[{kind}s{i}]" for i in range(n)))
        else:
            chains.append(f"[{src}]{'null' if kind == 'v' else 'anull'}[{kind}s0]")
    for i, span in enumerate(keep):
        s, e = f"{span.start:.6f}", f"{span.end:.6f}"
        if has_video:
            chains.append(f"[vs{i}]trim=start={s}:end={e},setpts=PTS-STARTPTS[v{i}]")
        fades = ""
        fade = min(crossfade, span.duration / 4)
        if fade > 0 and i > 0:
            fades += f",afade=t=in:st=0:d={fade:.6f}"
        if fade > 0 and i < n - 1:
            fades += f",afade=t=out:st={span.duration - fade:.6f}:d={fade:.6f}"
        chains.append(f"[as{i}]atrim=start={s}:end={e},asetpts=PTS-STARTPTS{fades}[a{i}]")
    pads = "".join(f"[v{i}][a{i}]" if has_video else f"[a{i}]" for i in range(n))
    chains.append(f"{pads}concat=n={n}:v={int(has_video)}:a=1" + ("[vc][aout]" if has_video else "[aout]"))
    if has_video:
        chains.append("[vc]format=yuv420p[vout]")
        return ";".join(chains), ["[vout]", "[aout]"]
    return ";".join(chains), ["[aout]"]


def _graph_file_option() -> str:
    """ffmpeg 7 reads an option's value from a file with ``-/option``; older builds (Debian 12
    has 5.1) only know ``-filter_complex_script``, which ffmpeg 9 no longer accepts."""
    match = re.search(r"(\d+)\.\d+", ffmpeg_info().version)
    return "-filter_complex_script" if match and int(match.group(1)) < 7 else "-/filter_complex"


def _render(
    source: Path, out: Path, plan: CutPlan, has_video: bool, fade: float, enc: EncoderSettings, report, token, say
):
    graph, maps = filter_graph(plan.keep, has_video, fade)
    work = new_work_dir("cut-")
    try:
        # A long cut list makes a long graph: a script file keeps it off the command line.
        script = work / "graph.txt"
        script.write_text(graph, encoding="utf-8")
        args: list[str] = []
        if enc.threads:
            args += ["-threads", str(enc.threads)]
        args += ["-i", str(source), _graph_file_option(), str(script)]
        for label in maps:
            args += ["-map", label]
        if has_video:
            encoder = encoders.SOFTWARE_ENCODER  # the concat graph feeds system-memory frames
            args += encoders.video_codec_args(encoder, enc.crf, enc.preset)
        args += ["-c:a", "aac", "-b:a", enc.audio_bitrate]
        if out.suffix.lower() in (".mp4", ".m4v", ".mov", ".m4a"):
            args += ["-movflags", "+faststart"]
        args += ["-map_metadata", "-1", "-map_chapters", "-1"]
        with atomic_output(out) as tmp:
            run_ffmpeg(
                [*args, str(tmp)],
                duration=plan.output_duration,
                progress=report,
                cancel=token,
                log=say,
                stage="Cutting",
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
