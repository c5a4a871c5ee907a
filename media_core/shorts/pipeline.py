"""Shorts pipeline: transcribe once → candidates → score → select → render → exports.

``find_shorts`` only analyses (the Shorts tab shows the plan, the user may adjust
clips); ``render_shorts`` renders a plan; ``rerender_clip`` redoes one clip after
its start/end were moved.
"""

from __future__ import annotations

import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import BackendUnavailableError, InvalidParameterError, NoAudioStreamError
from ..models import Transcript, Word
from ..paths import outputs_dir
from ..probe import MediaInfo, check_input_file, probe
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from . import exports, transcript_cache
from .candidates import build_candidates, snap_to_quiet
from .clip_subtitles import clip_words, group_clip_words, write_clip_subtitles
from .models import ShortClip, ShortsPlanResult, ShortsRequest, ShortsResult
from .render_clip import output_size, render_clip_video, render_thumbnail
from .scoring import score_clips, suggest_title
from .select import select_clips

log = logging.getLogger(__name__)


# --- transcription -------------------------------------------------------------------------

def _transcription_config(request: ShortsRequest):
    try:
        from ..transcription import TranscriptionConfig
    except ImportError as exc:
        raise BackendUnavailableError("The transcription engine is not available in this build.",
                                      detail=str(exc)) from exc
    settings = dict(request.transcription or {})
    # Cut points and per-clip subtitles need word timings.
    if "word_timestamps" in TranscriptionConfig.model_fields:
        settings["word_timestamps"] = True
    return TranscriptionConfig(**settings)


def get_transcript(input_path: str | os.PathLike, request: ShortsRequest, *, progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None) -> tuple[Transcript, Path]:
    """The transcript of ``input_path``, from the cache when this file was already transcribed."""
    config = _transcription_config(request)
    from ..transcription import transcribe

    settings = config.model_dump(mode="json")
    cached = transcript_cache.load_cached(input_path, settings)
    cache_path = transcript_cache.cached_transcript_path(input_path, settings)
    if cached is not None:
        log.info("reusing cached transcript %s", cache_path)
        as_progress(progress)(1.0, "transcript (cached)")
        return cached, cache_path
    transcript = transcribe(input_path, config, progress=progress, cancel=cancel)
    transcript_cache.store(input_path, settings, transcript)
    return transcript, cache_path


def _spoken_words(transcript: Transcript) -> list[Word]:
    return [w for w in transcript.words if w.text.strip()]


# --- analysis -------------------------------------------------------------------------------

def plan_from_transcript(transcript: Transcript, request: ShortsRequest, *, audio=None,
                         sample_rate: int = 16_000) -> tuple[list[ShortClip], int, str]:
    """Candidates → (optional audio snapping) → scores → selection. Returns (clips, n_candidates, scorer)."""
    words = _spoken_words(transcript)
    candidates = build_candidates(transcript, min_duration=request.min_duration,
                                  max_duration=request.max_duration, pause_threshold=request.pause_threshold)
    if audio is not None and len(audio):
        candidates = snap_to_quiet(candidates, words, audio, sample_rate)
        # Snapping moves cuts by a few hundredths; keep the duration promise exactly.
        candidates = [c for c in candidates if request.min_duration <= c.duration <= request.max_duration]
    semantic = None
    if request.prompt and request.semantic:
        from .embeddings import prompt_similarities

        semantic = prompt_similarities(request.prompt, [c.text for c in candidates])
    scored = score_clips(candidates, words, prompt=request.prompt, semantic=semantic,
                         pause_threshold=request.pause_threshold)
    scorer = "heuristic" + ("+embeddings" if semantic is not None else "")
    if request.scorer == "llm":
        from .llm_scorer import llm_rescore

        rescored = llm_rescore(scored, request)
        if rescored is not None:
            scored, scorer = rescored, "llm"
    chosen = select_clips(scored, request.num_clips, min_gap=request.min_gap)
    chosen = [c.model_copy(update={"title": suggest_title(c.text)}) for c in chosen]
    return chosen, len(candidates), scorer


def find_shorts(input_path: str | os.PathLike, request: ShortsRequest | None = None, *,
                progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> ShortsPlanResult:
    """Analyse ``input_path`` and propose ``request.num_clips`` clips (no rendering)."""
    request = request or ShortsRequest()
    token = as_token(cancel)
    report = as_progress(progress)
    path = check_input_file(input_path)
    info = probe(path)
    if not info.has_audio:
        raise NoAudioStreamError(f"{path.name} has no audio track, so there is no speech to find shorts in.")
    from ..audio import SAMPLE_RATE, decode_audio

    # The audio (for snapping cuts to real silence) is decoded on a second thread while the
    # recogniser runs: PyAV releases the GIL, so this costs no wall time on a multi-core machine.
    decode_token = CancelToken()
    token.on_cancel(decode_token.cancel)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shorts-audio") as pool:
        audio_job = pool.submit(decode_audio, path, sample_rate=SAMPLE_RATE, cancel=decode_token)
        try:
            transcript, cache_path = get_transcript(
                path, request, progress=report.span(0.0, 0.9, "Transcribing"), cancel=token)
        except BaseException:
            decode_token.cancel()
            raise
        audio = audio_job.result()
    token.raise_if_cancelled()
    report(0.9, "Finding moments")
    clips, considered, scorer = plan_from_transcript(transcript, request, audio=audio, sample_rate=SAMPLE_RATE)
    if not clips:
        longest = _longest_speech(transcript)
        raise InvalidParameterError(
            f"No clip of {request.min_duration:g}–{request.max_duration:g} s fits this video's speech. "
            f"Try a shorter minimum duration (the transcript covers about {longest:.0f} s of speech).")
    report(1.0, "Done")
    return ShortsPlanResult(input=str(path), clips=clips, transcript_path=str(cache_path),
                            candidates_considered=considered, scorer_used=scorer)


def _longest_speech(transcript: Transcript) -> float:
    words = _spoken_words(transcript)
    return (words[-1].end - words[0].start) if words else 0.0


# --- rendering ------------------------------------------------------------------------------

def _safe_stem(path: Path) -> str:
    return re.sub(r"[\\/:*?\"<>|]+", "_", path.stem).strip() or "video"


def default_output_dir(input_path: Path, request: ShortsRequest) -> Path:
    if request.output_dir:
        return Path(request.output_dir)
    return outputs_dir() / f"{_safe_stem(input_path)} shorts"


def _keep_ranges(words: list[Word], start: float, end: float, max_pause: float,
                 margin: float = 0.2) -> list[tuple[float, float]]:
    """Parts of [start, end] to keep when pauses longer than ``max_pause`` are cut out."""
    inside = [w for w in words if start <= (w.start + w.end) / 2 <= end]
    ranges: list[tuple[float, float]] = []
    seg_start = start
    for a, b in zip(inside, inside[1:]):
        if b.start - a.end > max_pause:
            ranges.append((seg_start, a.end + margin))
            seg_start = b.start - margin
    ranges.append((seg_start, end))
    return [(round(s, 3), round(e, 3)) for s, e in ranges if e - s > 0.05]


def _style(request: ShortsRequest):
    try:
        from ..styles import DEFAULT_PRESET, get_preset
    except ImportError:
        return None
    return get_preset(request.style or DEFAULT_PRESET)


def _render_one(path: Path, info: MediaInfo, clip: ShortClip, transcript: Transcript, request: ShortsRequest,
                out_dir: Path, *, progress, cancel) -> ShortClip:
    report = as_progress(progress)
    width, height = output_size(info, request.aspect, request.strategy, request.output_height)
    words = _spoken_words(transcript)
    ranges = _keep_ranges(words, clip.start, clip.end, request.max_pause) if request.trim_silences \
        else [(clip.start, clip.end)]
    local = _words_for_ranges(words, ranges)
    lines = group_clip_words(local)
    base = out_dir / clip.id
    srt, ass = write_clip_subtitles(lines, base.with_suffix(".srt"), base.with_suffix(".ass"),
                                    style=request.style, width=width, height=height)
    burn = request.captions and bool(lines)
    # The render plan takes captions in source time and shifts them itself.
    source_lines = [ln.model_copy(update={
        "start": ln.start + clip.start, "end": ln.end + clip.start,
        "words": [w.model_copy(update={"start": w.start + clip.start, "end": w.end + clip.start})
                  for w in ln.words]}) for ln in lines] if burn and len(ranges) == 1 else None
    video = render_clip_video(path, info, ranges, base.with_suffix(".mp4"), aspect=request.aspect,
                              height=request.output_height, strategy=request.strategy, focus_x=request.focus_x,
                              source_lines=source_lines, style=_style(request) if burn else None,
                              ass_path=ass if burn else None,
                              progress=report.span(0.0, 0.95), cancel=cancel)
    thumb = render_thumbnail(video, base.with_suffix(".jpg"), at=min(1.0, clip.duration / 3), cancel=cancel)
    report(1.0)
    return clip.model_copy(update={"video_path": str(video), "srt_path": str(srt), "ass_path": str(ass),
                                   "thumbnail_path": str(thumb)})


def _words_for_ranges(words: list[Word], ranges: list[tuple[float, float]]) -> list[Word]:
    """Words of each kept range, shifted onto the output clock (ranges play back to back)."""
    out: list[Word] = []
    offset = 0.0
    for s, e in ranges:
        for w in clip_words(words, s, e):
            out.append(w.model_copy(update={"start": round(w.start + offset, 3), "end": round(w.end + offset, 3)}))
        offset += e - s
    return out


def render_shorts(input_path: str | os.PathLike, request: ShortsRequest, clips: list[ShortClip], *,
                  transcript: Transcript | None = None, progress: ProgressFn | None = None,
                  cancel: CancelToken | None = None) -> ShortsResult:
    """Render ``clips`` (from :func:`find_shorts`, possibly edited) and write the exports."""
    token = as_token(cancel)
    report = as_progress(progress)
    path = check_input_file(input_path)
    if not clips:
        raise InvalidParameterError("There are no clips to render.")
    info = probe(path)
    if transcript is None:
        transcript, _ = get_transcript(path, request, progress=report.span(0.0, 0.05, "Transcript"), cancel=token)
    out_dir = default_output_dir(path, request)
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered: list[ShortClip] = []
    total = sum(c.duration for c in clips) or 1.0
    done = 0.0
    for n, clip in enumerate(clips, 1):
        token.raise_if_cancelled()
        if not clip.id:
            clip = clip.model_copy(update={"id": f"clip-{n:02d}", "rank": clip.rank or n})
        lo, hi = 0.05 + 0.9 * done / total, 0.05 + 0.9 * (done + clip.duration) / total
        rendered.append(_render_one(path, info, clip, transcript, request, out_dir,
                                    progress=report.span(lo, hi, f"Rendering clip {n}/{len(clips)}"), cancel=token))
        done += clip.duration
    report(0.96, "Writing exports")
    result = write_exports(path, info, rendered, request, out_dir)
    report(1.0, "Done")
    return result


def write_exports(path: Path, info: MediaInfo, clips: list[ShortClip], request: ShortsRequest,
                  out_dir: Path) -> ShortsResult:
    video = info.video
    fps = (video.fps if video and video.fps else 25.0)
    width, height = (info.display_size or (1920, 1080))
    manifest = exports.write_manifest(out_dir / "manifest.json", path, clips,
                                      request=request.model_dump(mode="json", exclude={"llm"}))
    csv_path = exports.write_csv(out_dir / "clips.csv", clips)
    edl = exports.write_edl(out_dir / "clips.edl", path, clips, fps)
    fcpxml = exports.write_fcpxml(out_dir / "clips.fcpxml", path, clips, fps=fps, width=width, height=height,
                                  duration=info.duration, has_audio=info.has_audio)
    return ShortsResult(input=str(path), clips=clips, manifest_path=str(manifest), csv_path=str(csv_path),
                        edl_path=str(edl), fcpxml_path=str(fcpxml), output_dir=str(out_dir))


def rerender_clip(input_path: str | os.PathLike, clip: ShortClip, new_start: float, new_end: float,
                  request: ShortsRequest, *, transcript: Transcript | None = None,
                  progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> ShortClip:
    """Move one clip's start/end (e.g. after adjusting it on the transcript) and render just that clip."""
    path = check_input_file(input_path)
    info = probe(path)
    if not (0 <= new_start < new_end <= (info.duration or new_end)):
        raise InvalidParameterError(f"The clip must start before it ends, inside the video "
                                    f"(0–{info.duration:.1f} s); got {new_start:.2f}–{new_end:.2f} s.")
    if transcript is None:
        transcript, _ = get_transcript(path, request, cancel=cancel)
    words = _spoken_words(transcript)
    inside = [i for i, w in enumerate(words) if new_start <= (w.start + w.end) / 2 <= new_end]
    text = " ".join(words[i].text.strip() for i in inside)
    moved = clip.model_copy(update={
        "start": round(new_start, 3), "end": round(new_end, 3), "text": text, "title": suggest_title(text),
        "first_word": inside[0] if inside else 0, "last_word": inside[-1] if inside else 0,
        "id": clip.id or "clip-01",
    })
    out_dir = Path(clip.video_path).parent if clip.video_path else default_output_dir(path, request)
    return _render_one(path, info, moved, transcript, request, out_dir, progress=progress, cancel=as_token(cancel))
