"""Real offline translation end to end: JFK transcribed by faster-whisper, translated en→es by Apertium."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from media_core.errors import CancelledError
from media_core.ffmpeg import run_ffmpeg
from media_core.progress import CancelToken
from media_core.translation import translate_subtitle_file
from media_core.translation.apertium import ApertiumTranslator

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def jfk_srt(jfk_wav, tiny_en_model, tmp_path_factory) -> Path:
    """An SRT of real transcribed speech: words grouped into cues of at most 5 words or at punctuation."""
    from faster_whisper import WhisperModel

    model = WhisperModel(str(tiny_en_model), device="cpu", compute_type="int8", cpu_threads=1)
    segments, _ = model.transcribe(str(jfk_wav), language="en", word_timestamps=True, beam_size=1)
    words = [w for seg in segments for w in seg.words]
    assert len(words) > 15
    subs = pysubs2.SSAFile()
    cue: list = []
    for w in words:
        cue.append(w)
        if len(cue) >= 5 or w.word.strip()[-1:] in ",.?!":
            text = " ".join(x.word.strip() for x in cue)
            subs.events.append(pysubs2.SSAEvent(start=int(cue[0].start * 1000), end=int(cue[-1].end * 1000), text=text))
            cue = []
    if cue:
        subs.events.append(
            pysubs2.SSAEvent(
                start=int(cue[0].start * 1000), end=int(cue[-1].end * 1000), text=" ".join(x.word.strip() for x in cue)
            )
        )
    # One two-row cue and one empty cue, as real subtitle files have.
    subs.events[1].text = subs.events[1].text.replace(" ", "\\N", 1)
    subs.events.append(pysubs2.SSAEvent(start=11500, end=12000, text=""))
    out = tmp_path_factory.mktemp("jfk") / "jfk speech.en.srt"
    subs.save(str(out))
    return out


def test_apertium_en_es_end_to_end(jfk_srt, odd_dir, tmp_path):
    source = pysubs2.load(str(jfk_srt))
    seen = []
    result = translate_subtitle_file(
        jfk_srt,
        "es",
        backend="apertium",
        bilingual="two_track",
        out=odd_dir / "jfk.es.srt",
        progress=lambda f, s="": seen.append(f),
    )
    assert result.src == "en" and result.backend == "apertium"  # language from the ".en" suffix
    assert seen[-1] == 1.0
    translated = pysubs2.load(str(result.translated))
    assert len(translated) == len(source) == result.cues
    assert [(e.start, e.end) for e in translated] == [(e.start, e.end) for e in source]
    for src_ev, tr_ev in zip(source, translated, strict=False):
        if src_ev.plaintext.strip():
            assert tr_ev.plaintext.strip() and tr_ev.plaintext.strip() != src_ev.plaintext.strip()
            assert tr_ev.plaintext.count("\n") == src_ev.plaintext.count("\n")  # rows kept
        else:
            assert tr_ev.plaintext == ""
    joined = " ".join(e.plaintext.replace("\n", " ") for e in translated).lower()
    assert "país" in joined and "americanos" in joined
    assert "*" not in joined and "#" not in joined

    ass = pysubs2.load(str(result.bilingual))
    assert {e.style for e in ass} == {"Original", "Translation"}
    assert ass.styles["Translation"].fontsize < ass.styles["Original"].fontsize
    # libass renders it: burn the two-track file onto a 2 s black clip and look for lit pixels.
    plain = tmp_path / "bi.ass"
    plain.write_bytes(result.bilingual.read_bytes())
    raw = tmp_path / "frames.gray"
    filter_path = str(plain).replace("\\", "/").replace(":", "\\:").replace("'", "\\'")
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=640x360:d=2",
            "-vf",
            f"subtitles='{filter_path}'",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            str(raw),
        ],
        duration=2,
    )
    frames = np.frombuffer(raw.read_bytes(), np.uint8).reshape(-1, 360, 640)
    assert frames.max() > 200  # white/yellow text drawn by libass

    stacked = translate_subtitle_file(jfk_srt, "es", "en", backend="apertium", bilingual=True, out=tmp_path / "s.srt")
    both = pysubs2.load(str(stacked.bilingual))
    assert len(both) == len(source)
    assert both[0].plaintext.startswith(source[0].plaintext)
    assert both[0].plaintext.endswith(translated[0].plaintext)


def test_batch_boundaries_hold_and_tags_survive():
    translator = ApertiumTranslator()
    assert ("en", "es") in translator.available_pairs()
    # "the big" + "house" would become "la casa grande" if Apertium saw one sentence.
    out = translator.translate_batch(["the big", "house", "", "ask not what your country can do for you"], "en", "es")
    assert len(out) == 4 and out[2] == ""
    assert "casa" not in out[0].lower() and "casa" in out[1].lower()
    assert out[1][0].islower()  # a cue continuing a sentence is not capitalised


def test_ass_tags_kept(tmp_path):
    src = tmp_path / "styled.ass"
    subs = pysubs2.SSAFile()
    subs.events.append(pysubs2.SSAEvent(start=0, end=1500, text=r"{\an8\b1}Thank you very much{\b0}"))
    subs.events.append(pysubs2.SSAEvent(start=1500, end=3000, text=r"The big house\Nis red", type="Dialogue"))
    comment = pysubs2.SSAEvent(start=0, end=100, text="note to self", type="Comment")
    subs.events.append(comment)
    subs.save(str(src))
    result = translate_subtitle_file(src, "es", "en", backend="apertium", out=tmp_path / "styled.es.ass")
    out = pysubs2.load(str(result.translated))
    assert out[0].text.startswith(r"{\an8\b1}") and out[0].text.endswith(r"{\b0}")
    assert "gracias" in out[0].plaintext.lower()
    assert "\\N" in out[1].text
    assert out[2].text == "note to self" and out[2].is_comment


def test_cancel_before_run():
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        ApertiumTranslator().translate_batch(["hello"], "en", "es", cancel=token)


def test_cancel_kills_running_apertium():
    import threading

    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    with pytest.raises(CancelledError):
        ApertiumTranslator().translate_batch(
            ["ask not what your country can do for you"] * 600, "en", "es", cancel=token
        )


def test_cli_translate_subprocess(jfk_srt, tmp_path):
    out = tmp_path / "cli out [es].srt"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "media_core.cli.translate",
            str(jfk_srt),
            "--to",
            "es",
            "--from",
            "en",
            "--backend",
            "apertium",
            "--bilingual",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and len(pysubs2.load(str(out))) == len(pysubs2.load(str(jfk_srt)))
    assert "apertium" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "media_core.cli.translate", str(tmp_path / "missing.srt"), "--to", "es"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr


def test_translate_subtitles_job_type(jfk_srt, tmp_path):
    from media_core.jobs.manager import JobManager
    from media_core.jobs.store import JobStore

    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    try:
        job_id = mgr.submit(
            "translate_subtitles",
            {
                "input": str(jfk_srt),
                "tgt": "es",
                "src": "en",
                "backend": "apertium",
                "bilingual": "two_track",
                "out": str(tmp_path / "job.es.srt"),
            },
        )
        job = mgr.wait(job_id, timeout=120)
        assert job.status == "succeeded", job
        assert sorted(job.outputs) == sorted([str(tmp_path / "job.es.srt"), str(tmp_path / "job.en-es.ass")])
    finally:
        mgr.shutdown()


def _styled_ass(path: Path) -> Path:
    """An ASS file as a styling tool writes it: own style, an inline colour change, bold, a row
    break, a karaoke cue, a drawing and a comment."""
    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": "640", "PlayResY": "360"})
    subs.styles["Talk"] = pysubs2.SSAStyle(
        fontname="DejaVu Sans",
        fontsize=40,
        bold=False,
        primarycolor=pysubs2.Color(255, 255, 255),
        alignment=pysubs2.Alignment.BOTTOM_CENTER,
    )
    events = [
        (0, 2000, r"{\fad(100,100)}I {\c&H00FFFF&}really{\c} love\Nthe big house"),
        (2000, 4000, r"{\b1}Thank you{\b0} very much"),
        (4000, 6000, r"{\k40}ask {\k40}not {\k40}what"),
        (6000, 8000, r"{\p1}m 0 0 l 100 0 100 100 0 100{\p0}"),
    ]
    for start, end, text in events:
        subs.events.append(pysubs2.SSAEvent(start=start, end=end, text=text, style="Talk"))
    subs.events.append(pysubs2.SSAEvent(start=0, end=100, text="note to self", type="Comment"))
    subs.save(str(path))
    return path


def _frame_rgb(ass: Path, tmp_path: Path, at: float) -> np.ndarray:
    """One 640×360 frame of ``ass`` burned on black by libass (the real renderer)."""
    raw = tmp_path / f"frame-{ass.stem}.rgb"
    filter_path = str(ass).replace("\\", "/").replace(":", "\\:").replace("'", "\\'")
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            f"color=c=black:s=640x360:d={at + 0.1}",
            "-vf",
            f"subtitles='{filter_path}'",
            "-ss",
            str(at),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            str(raw),
        ]
    )
    return np.frombuffer(raw.read_bytes(), np.uint8).reshape(360, 640, 3)


def test_styled_ass_keeps_inline_tags_and_rows(tmp_path):
    src = _styled_ass(tmp_path / "styled.ass")
    result = translate_subtitle_file(
        src, "es", "en", backend="apertium", bilingual="stacked", out=tmp_path / "styled.es.ass"
    )
    out = pysubs2.load(str(result.translated))
    assert [(e.start, e.end, e.style, e.type) for e in out] == [
        (e.start, e.end, e.style, e.type) for e in pysubs2.load(str(src))
    ]
    colour = out[0].text
    # Event-level tag first, the colour pair kept around one translated word, rows kept.
    assert colour.startswith(r"{\fad(100,100)}") and "\\N" in colour
    on, off = colour.index(r"{\c&H00FFFF&}"), colour.index(r"{\c}")
    assert on < off and out[0].plaintext.strip() and "casa" in out[0].plaintext.lower()
    coloured = colour[on:off].replace(r"{\c&H00FFFF&}", "").strip()
    assert coloured and " " not in coloured  # exactly one word, not an empty span
    assert out[1].text.startswith(r"{\b1}") and r"{\b0}" in out[1].text and "gracias" in out[1].plaintext.lower()
    assert out[2].text.count(r"{\k40}") == 3
    assert out[3].text == r"{\p1}m 0 0 l 100 0 100 100 0 100{\p0}"
    assert out[4].is_comment and out[4].text == "note to self"

    stacked = pysubs2.load(str(result.bilingual))
    first = stacked[0].text
    original_row, translated_row = first.split("\\N{\\r}")[0], first.split("\\N{\\r}")[1]
    assert original_row == r"{\fad(100,100)}I {\c&H00FFFF&}really{\c} love\Nthe big house"
    assert r"{\c&H00FFFF&}" in translated_row and r"\fad" not in translated_row
    assert "\\k" not in stacked[2].text.split("\\N{\\r}")[1]

    # libass draws the inline colour: yellow pixels in the translated cue, and in the original.
    for ass in (result.translated, src):
        frame = _frame_rgb(ass, tmp_path, 1.0).astype(int)
        yellow = (frame[..., 0] > 200) & (frame[..., 1] > 200) & (frame[..., 2] < 90)
        white = (frame[..., 0] > 200) & (frame[..., 1] > 200) & (frame[..., 2] > 200)
        assert yellow.sum() > 30 and white.sum() > 30, ass


def test_cancel_midway_leaves_no_output(jfk_srt, tmp_path):
    out_dir = tmp_path / "out"
    token = CancelToken()
    batches = []

    def progress(fraction, stage=""):
        batches.append(fraction)
        if 0.3 < fraction < 0.9:  # some cues are translated, others are not
            token.cancel()

    with pytest.raises(CancelledError):
        translate_subtitle_file(
            jfk_srt,
            "es",
            "en",
            backend="apertium",
            batch_size=1,
            bilingual="two_track",
            out=out_dir / "jfk.es.srt",
            progress=progress,
            cancel=token,
        )
    assert batches and token.is_cancelled
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_cancel_while_writing_leaves_no_output(jfk_srt, tmp_path):
    """The translated file's temporary copy is complete when the cancel arrives: it must go too."""
    out_dir = tmp_path / "out"
    token = CancelToken()
    stages = []

    def progress(fraction, stage=""):
        stages.append(stage)
        if stage.startswith("writing jfk.en-es"):  # the second file: the first is already on disk as a temp
            token.cancel()

    with pytest.raises(CancelledError):
        translate_subtitle_file(
            jfk_srt,
            "es",
            "en",
            backend="apertium",
            bilingual="stacked",
            out=out_dir / "jfk.es.srt",
            progress=progress,
            cancel=token,
        )
    assert any(s.startswith("writing jfk.es.srt") for s in stages)
    assert list(out_dir.iterdir()) == []  # neither file, nor a temporary one
    # Without a cancel, both appear.
    done = translate_subtitle_file(
        jfk_srt, "es", "en", backend="apertium", bilingual="stacked", out=out_dir / "jfk.es.srt"
    )
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(p.name for p in done.outputs)


def test_job_log_names_backend_pair_and_time(jfk_srt, tmp_path):
    from media_core.jobs.manager import JobManager
    from media_core.jobs.store import JobStore

    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    try:
        job = mgr.wait(
            mgr.submit(
                "translate_subtitles",
                {"input": str(jfk_srt), "tgt": "es", "src": "en", "out": str(tmp_path / "auto.es.srt")},
            ),
            timeout=120,
        )
        assert job.status == "succeeded", job
        text = mgr.store.get_log(job.id)
    finally:
        mgr.shutdown()
    assert "translation backend: apertium (en→es, chosen automatically" in text
    assert re.search(r"apertium eng-spa: \d+ text\(s\) in \d+\.\d\d s", text), text
    assert re.search(r"translated \d+ cue\(s\) en→es with apertium in \d+\.\d\d s", text), text
    assert "wrote " in text


def _manifest(tmp_path: Path, **extra) -> Path:
    """A shorts manifest as the shorts pipeline writes it (built here, independent of that pipeline)."""
    data = {
        "version": 2,
        "input": str(tmp_path / "talk.mp4"),
        "request": {"transcription": {"language": None}},
        "transcript": None,
        "source": None,
        "scorer": "heuristic",
        "clips": [
            {
                "id": "clip-01",
                "rank": 1,
                "start": 1.0,
                "end": 21.0,
                "duration": 20.0,
                "score": 0.8,
                "reason": "strong hook",
                "title": "Ask not what your country can do for you",
                "text": "And so my fellow Americans.\nAsk not what your country can do for you.",
                "video": None,
                "srt": None,
                "ass": None,
                "thumbnail": None,
                "features": {},
            },
            {
                "id": "clip-02",
                "rank": 2,
                "start": 30.0,
                "end": 55.0,
                "duration": 25.0,
                "score": 0.6,
                "reason": "question",
                "title": "The big house",
                "text": "",
                "video": None,
                "srt": None,
                "ass": None,
                "thumbnail": None,
                "features": {},
            },
        ],
        **extra,
    }
    path = tmp_path / "talk shorts" / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_translate_shorts_manifest_with_apertium(tmp_path):
    from media_core.translation import translate_shorts_manifest

    path = _manifest(tmp_path, language="en")
    before = json.loads(path.read_text(encoding="utf-8"))
    logged = []
    result = translate_shorts_manifest(path, "es", backend="apertium", log=logged.append)
    assert (result.src, result.tgt, result.backend, result.clips, result.skipped) == ("en", "es", "apertium", 2, 0)
    after = json.loads(path.read_text(encoding="utf-8"))
    first, second = after["clips"]
    es = first["translations"]["es"]
    assert "país" in es["title"].lower() and es["title"] != first["title"]
    assert es["text"].count("\n") == 1 and "americanos" in es["text"].lower()  # paragraphs kept
    assert "casa" in second["translations"]["es"]["title"].lower() and second["translations"]["es"]["text"] == ""
    assert after["translation_info"] == {"es": {"src": "en", "backend": "apertium"}}
    # Nothing else changed.
    for a, b in zip(before["clips"], after["clips"], strict=False):
        assert {k: v for k, v in b.items() if k != "translations"} == a
    assert {k: v for k, v in after.items() if k not in ("clips", "translation_info")} == {
        k: v for k, v in before.items() if k != "clips"
    }
    assert any("with apertium" in line for line in logged)
    assert not list(path.parent.glob("*.reframe-part-*"))


def test_translate_shorts_manifest_language_and_errors(tmp_path):
    from media_core.errors import InputNotFoundError, InvalidParameterError
    from media_core.translation import translate_shorts_manifest

    transcript = tmp_path / "t.json"
    transcript.write_text(json.dumps({"language": "en", "duration": 1.0, "segments": []}), encoding="utf-8")
    path = _manifest(tmp_path, transcript=str(transcript))
    assert translate_shorts_manifest(path, "es", backend="apertium").src == "en"  # from the transcript
    unknown = _manifest(tmp_path / "u")
    with pytest.raises(InvalidParameterError, match="unknown"):
        translate_shorts_manifest(unknown, "es", backend="apertium")
    with pytest.raises(InvalidParameterError, match="already"):
        translate_shorts_manifest(unknown, "en", "en", backend="apertium")
    with pytest.raises(InputNotFoundError):
        translate_shorts_manifest(tmp_path / "missing.json", "es", "en", backend="apertium")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidParameterError, match="not a readable"):
        translate_shorts_manifest(broken, "es", "en", backend="apertium")


def test_manifest_changed_while_translating_keeps_the_new_clip(tmp_path):
    """A clip re-rendered (new text) during the translation is not given the old text's translation."""
    from media_core.translation import translate_shorts_manifest

    path = _manifest(tmp_path, language="en")

    class Rewriting(ApertiumTranslator):
        def translate_batch(self, texts, src, tgt, **kw):
            out = super().translate_batch(texts, src, tgt, **kw)
            data = json.loads(path.read_text(encoding="utf-8"))
            data["clips"][1]["title"] = "A new title"
            path.write_text(json.dumps(data), encoding="utf-8")
            return out

    result = translate_shorts_manifest(path, "es", translator=Rewriting())
    assert (result.clips, result.skipped) == (1, 1)
    clips = json.loads(path.read_text(encoding="utf-8"))["clips"]
    assert "es" in clips[0]["translations"] and "translations" not in clips[1]
    assert clips[1]["title"] == "A new title"


def test_translate_shorts_job_type(tmp_path):
    from media_core.jobs.manager import JobManager
    from media_core.jobs.store import JobStore

    path = _manifest(tmp_path, language="en")
    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    try:
        job = mgr.wait(
            mgr.submit("translate_shorts", {"input": str(path), "tgt": "es", "backend": "apertium"}), timeout=120
        )
        assert job.status == "succeeded", (job.error_message, job.error_detail)
        assert job.result["manifest"] == str(path) and job.result["clips"] == 2
        # The manifest stays the shorts run's file: not this job's output, so deleting this
        # job with its files leaves it alone.
        assert job.outputs == []
        assert str(path) in job.inputs
        log_text = mgr.store.get_log(job.id)
        mgr.delete(job.id, delete_files=True)
    finally:
        mgr.shutdown()
    assert path.is_file() and "es" in json.loads(path.read_text(encoding="utf-8"))["clips"][0]["translations"]
    assert "apertium eng-spa" in log_text


def test_cli_translates_one_file_into_three_languages(tmp_path):
    from media_core.subtitles import read_subtitles

    src = tmp_path / "talk.srt"
    src.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nAsk not what your country can do for you.\n\n"
        "2\n00:00:04,000 --> 00:00:06,500\nThe house is big.\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "media_core", "translate", str(src), "--to", "es,ca,gl", "--from", "en",
         "--backend", "apertium", "-q"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "REFRAME_DATA_DIR": str(tmp_path / "d")},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    written = [Path(line.strip()) for line in proc.stdout.splitlines() if line.startswith("  ")]
    assert [p.name for p in written] == ["talk.es.srt", "talk.ca.srt", "talk.gl.srt"]
    bodies = [read_subtitles(p) for p in written]
    assert all([(c.start, c.end) for c in b] == [(1.0, 3.0), (4.0, 6.5)] for b in bodies)
    assert len({b[1].text for b in bodies}) == 3  # "La casa és gran", "La casa es grande", "A casa é grande"
