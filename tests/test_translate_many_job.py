"""The translate_subtitles job with several targets (offline Apertium pairs en→es/ca/gl):
one file per language in one job; the single-target params of before still work."""

from __future__ import annotations

from pathlib import Path

import pytest

from media_core.errors import InvalidParameterError
from media_core.jobs.manager import JobManager
from media_core.jobs.store import JobStore

SRT = """1
00:00:00,500 --> 00:00:03,000
The house is big.

2
00:00:03,500 --> 00:00:06,000
We have a new car.
"""


@pytest.fixture(scope="module")
def manager(tmp_path_factory):
    mgr = JobManager(JobStore(tmp_path_factory.mktemp("store") / "jobs.sqlite3"))
    yield mgr
    mgr.shutdown()


@pytest.fixture
def srt(tmp_path) -> Path:
    path = tmp_path / "talk.en.srt"
    path.write_text(SRT, encoding="utf-8")
    return path


def test_three_targets_in_one_job(manager, srt, tmp_path):
    params = {"input": str(srt), "tgt": "es, ca,gl", "src": "en", "backend": "apertium", "out_dir": str(tmp_path / "o")}
    job = manager.wait(manager.submit("translate_subtitles", params), timeout=180)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    names = sorted(Path(p).name for p in job.outputs)
    assert names == ["talk.ca.srt", "talk.es.srt", "talk.gl.srt"]
    assert all(Path(p).parent == tmp_path / "o" for p in job.outputs)
    assert job.result["languages"] == ["es", "ca", "gl"]
    assert job.result["backends"] == {"es": "apertium", "ca": "apertium", "gl": "apertium"}
    texts = {Path(p).name: Path(p).read_text(encoding="utf-8") for p in job.outputs}
    assert "grande" in texts["talk.es.srt"] and "gran" in texts["talk.ca.srt"]
    assert all("house" not in t for t in texts.values())


def test_single_target_params_still_work(manager, srt, tmp_path):
    out = tmp_path / "mine.srt"
    job = manager.wait(
        manager.submit("translate_subtitles", {"input": str(srt), "tgt": "es", "backend": "apertium", "out": str(out)}),
        timeout=120,
    )
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert [Path(p) for p in job.outputs] == [out] and "casa" in out.read_text(encoding="utf-8").lower()


def test_several_targets_refuse_one_output_name_and_unknown_settings(manager, srt, tmp_path):
    one_name = {"input": str(srt), "tgt": ["es", "ca"], "backend": "apertium", "out": str(tmp_path / "x.srt")}
    job = manager.wait(manager.submit("translate_subtitles", one_name), timeout=60)
    assert job.status == "failed" and "several languages" in job.error_message
    unknown = {"input": str(srt), "tgt": ["es", "ca"], "colour": "red"}
    with pytest.raises(InvalidParameterError, match="colour"):
        manager.submit("translate_subtitles", unknown)
