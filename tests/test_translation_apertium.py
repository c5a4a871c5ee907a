"""Real offline translation end to end: JFK transcribed by faster-whisper, translated en→es by Apertium."""

from __future__ import annotations

import os
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
            subs.events.append(pysubs2.SSAEvent(start=int(cue[0].start * 1000), end=int(cue[-1].end * 1000),
                                                text=text))
            cue = []
    if cue:
        subs.events.append(pysubs2.SSAEvent(start=int(cue[0].start * 1000), end=int(cue[-1].end * 1000),
                                            text=" ".join(x.word.strip() for x in cue)))
    # One two-row cue and one empty cue, as real subtitle files have.
    subs.events[1].text = subs.events[1].text.replace(" ", "\\N", 1)
    subs.events.append(pysubs2.SSAEvent(start=11500, end=12000, text=""))
    out = tmp_path_factory.mktemp("jfk") / "jfk speech.en.srt"
    subs.save(str(out))
    return out


def test_apertium_en_es_end_to_end(jfk_srt, odd_dir, tmp_path):
    source = pysubs2.load(str(jfk_srt))
    seen = []
    result = translate_subtitle_file(jfk_srt, "es", backend="apertium", bilingual="two_track",
                                     out=odd_dir / "jfk.es.srt", progress=lambda f, s="": seen.append(f))
    assert result.src == "en" and result.backend == "apertium"  # language from the ".en" suffix
    assert seen[-1] == 1.0
    translated = pysubs2.load(str(result.translated))
    assert len(translated) == len(source) == result.cues
    assert [(e.start, e.end) for e in translated] == [(e.start, e.end) for e in source]
    for src_ev, tr_ev in zip(source, translated):
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
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=black:s=640x360:d=2", "-vf", f"subtitles='{filter_path}'",
                "-f", "rawvideo", "-pix_fmt", "gray", str(raw)], duration=2)
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
    out = translator.translate_batch(["the big", "house", "", "ask not what your country can do for you"],
                                     "en", "es")
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
        ApertiumTranslator().translate_batch(["ask not what your country can do for you"] * 600, "en", "es",
                                             cancel=token)


def test_cli_translate_subprocess(jfk_srt, tmp_path):
    out = tmp_path / "cli out [es].srt"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "media_core.cli.translate", str(jfk_srt), "--to", "es",
                           "--from", "en", "--backend", "apertium", "--bilingual", "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and len(pysubs2.load(str(out))) == len(pysubs2.load(str(jfk_srt)))
    assert "apertium" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "media_core.cli.translate", str(tmp_path / "missing.srt"),
                          "--to", "es"], capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr


def test_translate_subtitles_job_type(jfk_srt, tmp_path):
    from media_core.jobs.manager import JobManager
    from media_core.jobs.store import JobStore

    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    try:
        job_id = mgr.submit("translate_subtitles", {"input": str(jfk_srt), "tgt": "es", "src": "en",
                                                    "backend": "apertium", "bilingual": "two_track",
                                                    "out": str(tmp_path / "job.es.srt")})
        job = mgr.wait(job_id, timeout=120)
        assert job.status == "succeeded", job
        assert sorted(job.outputs) == sorted([str(tmp_path / "job.es.srt"), str(tmp_path / "job.en-es.ass")])
    finally:
        mgr.shutdown()
