"""Every registered job type, run through the JobManager with the params a front end sends.

The adapters in media_core/jobs/builtin.py turn JSON params into engine calls; a wrong
module, a renamed argument or a param the engine does not take only shows up when a job
really runs, so each type runs here once on real media and must register real outputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from media_core.jobs import JobManager, JobStore, default_registry
from media_core.probe import probe

pytestmark = pytest.mark.slow

SRT = (
    "1\n00:00:00,500 --> 00:00:03,000\nAnd so my fellow Americans\n\n"
    "2\n00:00:03,200 --> 00:00:07,500\nask not what your country can do for you\n"
)

#: Types whose full run lives in another test module (with the media they need).
COVERED_ELSEWHERE = {
    "shorts": "tests/test_shorts.py and tests/test_gui_shorts.py",
    "shorts_rerender": "tests/test_shorts.py and tests/test_gui_shorts.py",
    "shorts_export": "tests/test_shorts.py and tests/test_gui_shorts.py",
    "translate_shorts": "tests/test_translation_apertium.py",
    "ffmpeg_transcode": "tests/test_jobs_manager.py",
    "transcript_cut": "tests/test_transcript_cut_job.py",
}


@pytest.fixture(scope="module")
def manager(tmp_path_factory):
    mgr = JobManager(JobStore(tmp_path_factory.mktemp("store") / "jobs.sqlite3"))
    yield mgr
    mgr.shutdown()


def _cases(tmp: Path, media: dict) -> dict[str, tuple[dict, callable]]:
    srt = tmp / "lines.srt"
    srt.write_text(SRT, encoding="utf-8")
    video, speech, jfk = media["bikes"], media["speech_video"], media["jfk"]

    def is_video(width=None, height=None, duration=None, audio=None):
        def check(outputs):
            info = probe(next(p for p in outputs if p.endswith(".mp4")))
            assert info.video is not None
            if width is not None:
                assert info.display_size == (width, height), info.display_size
            if duration is not None:
                assert info.duration == pytest.approx(duration, abs=0.1)
            if audio is not None:
                assert info.has_audio is audio

        return check

    def srt_in(language_word):
        def check(outputs):
            text = Path(next(p for p in outputs if p.endswith(".srt"))).read_text(encoding="utf-8").lower()
            assert language_word in text, text

        return check

    return {
        "captions": (
            {
                "input": str(speech),
                "model": "tiny.en",
                "language": "en",
                "threads": 1,
                "formats": "srt,json",
                "output_dir": str(tmp / "captions"),
            },
            srt_in("country"),
        ),
        "translate_subtitles": (
            {"input": str(srt), "tgt": "es", "src": "en", "backend": "apertium", "out": str(tmp / "lines.es.srt")},
            srt_in("país"),
        ),
        "render_styled": (
            {
                "input": str(video),
                "output": str(tmp / "plan.mp4"),
                "trim": {"start": 1, "end": 3},
                "reframe": {"aspect": "9:16", "strategy": "blur_bg", "height": 320},
                "subtitles": {"path": str(srt), "style": "Boxed"},
            },
            is_video(180, 320, 2.0),
        ),
        "burn": (
            {
                "input": str(video),
                "subs": str(srt),
                "out": str(tmp / "burned.mp4"),
                "style": {"name": "custom", "font_size": 60, "text_color": "#FFFF00"},
            },
            is_video(640, 272, 10.0),
        ),
        "merge_av": (
            {
                "input": str(video),
                "audio": str(jfk),
                "out": str(tmp / "merged.mp4"),
                "offset": 0.5,
                "loudness_normalize": True,
            },
            is_video(640, 272, 10.0, audio=True),
        ),
        "cut": (
            {"input": str(speech), "start": 2.0, "end": 5.0, "out": str(tmp / "cut.mp4")},
            is_video(640, 272, 3.0, audio=True),
        ),
        "reframe": (
            {"input": str(video), "out": str(tmp / "square.mp4"), "aspect": "1:1", "strategy": "pad", "height": 240},
            is_video(240, 240, 10.0),
        ),
    }


def test_every_registered_type_has_a_run_case(tmp_path, bikes_mp4, speech_video, jfk_wav):
    cases = _cases(tmp_path, {"bikes": bikes_mp4, "speech_video": speech_video, "jfk": jfk_wav})
    missing = set(default_registry.names()) - set(cases) - set(COVERED_ELSEWHERE)
    assert not missing, f"job types nobody runs in a test: {sorted(missing)}"


@pytest.mark.parametrize(
    "job_type", ["captions", "translate_subtitles", "render_styled", "burn", "merge_av", "cut", "reframe"]
)
def test_job_type_runs_with_front_end_params(
    job_type, manager, tmp_path, bikes_mp4, speech_video, jfk_wav, tiny_en_model
):
    params, check = _cases(tmp_path, {"bikes": bikes_mp4, "speech_video": speech_video, "jfk": jfk_wav})[job_type]
    job_id = manager.submit(job_type, params)
    job = manager.wait(job_id, timeout=300)
    assert job.status == "succeeded", (job.error_code, job.error_message, job.error_detail)
    assert job.outputs, "the job registered no output"
    assert all(Path(p).is_file() for p in job.outputs)
    check(job.outputs)
    # The input file is recorded as the job's input asset, whatever the engine calls it.
    assert params["input"] in job.inputs
