"""Transcript cuts in the product: the ``transcript_cut`` job through the JobManager, the
``reframe tighten`` command and the HTTP API's path policy, on real speech with real fillers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from media_core.api.path_policy import PathNotAllowedError, check_api_params
from media_core.cli import main as cli_main
from media_core.jobs import JobManager
from media_core.jobs.store import JobStore
from media_core.paths import outputs_dir
from media_core.probe import probe
from media_core.transcript_edit import CutOptions, preview_cuts
from media_core.transcription import TranscriptionConfig
from tests import assets


@pytest.fixture(scope="module")
def filler_talk():
    try:
        return assets.filler_talk_video()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


@pytest.fixture(scope="module")
def preview(filler_talk, tiny_en_model, tmp_path_factory):
    video, _ = filler_talk
    saved = tmp_path_factory.mktemp("transcript") / "talk.words.json"
    config = TranscriptionConfig(model=str(tiny_en_model), language="en", threads=1)
    return preview_cuts(video, CutOptions(extra_fillers=["oh"]), save_transcript=saved, transcription=config)


def _norm(word) -> str:
    return re.sub(r"\W", "", word.text.lower())


def _last_sentence(words) -> list[int]:
    """JFK's closing "Ask what you can do for your country.": a phrase with pauses around it
    (the planner cuts picked words only where the audio is silent on both sides)."""
    first = max(i for i, w in enumerate(words) if _norm(w) == "ask")
    last = max(i for i, w in enumerate(words) if _norm(w) == "country")
    return list(range(first, last + 1))


def _count(text: str, word: str) -> int:
    return len(re.findall(rf"\b{word}\b", text.lower()))


def test_preview_lists_the_fillers_and_the_long_pause(preview):
    reasons = [r.reason for r in preview.plan.removals]
    assert reasons.count("filler") >= 2 and "pause" in reasons
    assert preview.transcript_path.is_file()


def test_job_cuts_picked_words_fillers_and_pauses(preview, filler_talk, tmp_path):
    video, _ = filler_talk
    words = preview.transcript.words
    picked = _last_sentence(words)
    out = tmp_path / "tight.mp4"
    manager = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    try:
        job_id = manager.submit(
            "transcript_cut",
            {
                "input": str(video),
                "output": str(out),
                "transcript": str(preview.transcript_path),
                "extra_fillers": ["oh"],
                "remove_words": picked,
            },
        )
        job = manager.wait(job_id, timeout=600)
    finally:
        manager.shutdown()
    assert job.status == "succeeded", (job.error_code, job.error_message, job.error_detail)
    assert str(video) in job.inputs
    srt = out.with_suffix(".srt")
    assert sorted(job.outputs) == sorted([str(out), str(srt)])
    plan = preview.plan
    assert job.result["removed"] >= plan.removed + words[picked[-1]].end - words[picked[0]].start
    # the picked sentence joins the "oh" after it into one cut, or makes a cut of its own
    assert job.result["cuts"] in (len(plan.removals), len(plan.removals) + 1)
    fps = probe(video).video.fps if probe(video).video else 25
    assert probe(out).duration == pytest.approx(plan.duration - job.result["removed"], abs=1.5 / fps)
    transcript_text = " ".join(w.text for w in words)
    assert _count(srt.read_text(encoding="utf-8"), "country") == _count(transcript_text, "country") - 1


def test_bad_job_params_fail_at_submit(tmp_path, filler_talk):
    from media_core.errors import InvalidParameterError

    manager = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    try:
        with pytest.raises(InvalidParameterError) as err:
            manager.submit("transcript_cut", {"input": str(filler_talk[0]), "max_pause": 0.2, "keep_pause": 0.5})
        assert "keep_pause" in str(err.value) or err.value.field_errors
    finally:
        manager.shutdown()


def test_api_may_only_write_into_the_outputs_folder(tmp_path, filler_talk):
    outside = {"input": str(outputs_dir() / "in.mp4"), "output": str(tmp_path / "x.mp4")}
    with pytest.raises(PathNotAllowedError):
        check_api_params("transcript_cut", outside)
    with pytest.raises(PathNotAllowedError):
        check_api_params("transcript_cut", {"input": str(outputs_dir() / "in.mp4"), "transcript": "/etc/passwd"})
    check_api_params("transcript_cut", {"input": str(outputs_dir() / "in.mp4"), "output": str(outputs_dir() / "o.mp4")})


def test_cli_preview_then_render(preview, filler_talk, tmp_path, capsys):
    video, _ = filler_talk
    args = ["tighten", str(video), "--transcript", str(preview.transcript_path), "--extra-fillers", "oh"]
    # The same pause options as the fixture's plan (CutOptions' defaults, spelled out so the flags
    # are exercised): the cut count must then match by construction, whatever pauses this take has.
    defaults = CutOptions()
    pause_args = ["--max-pause", str(defaults.max_pause), "--keep-pause", str(defaults.keep_pause)]
    assert cli_main([*args, "--preview", *pause_args]) == 0
    listed = capsys.readouterr().out
    assert "[0]" in listed and "filler" in listed and "pause" in listed
    assert f"{len(preview.plan.removals)} cuts" in listed
    out = tmp_path / "cli tight.mp4"
    picked = ",".join(map(str, _last_sentence(preview.transcript.words)))
    assert cli_main([*args, "--remove-words", picked, "--out", str(out)]) == 0
    printed = capsys.readouterr().out.split("\n")
    assert printed[0] == str(out) and Path(printed[1]).suffix == ".srt"
    assert probe(out).duration < preview.plan.output_duration
    with pytest.raises(SystemExit) as usage:  # argparse's usage error: exit code 2
        cli_main(["tighten", str(video), "--remove-words", "3,x"])
    assert usage.value.code == 2
    assert "word numbers" in capsys.readouterr().err
