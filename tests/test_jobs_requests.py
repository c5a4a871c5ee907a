"""The typed seam between front ends and the engine: one request model per job type,
checked at submit time (on the caller's thread, before anything is queued)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from media_core.errors import InvalidParameterError
from media_core.jobs import FINISHED_STATES, STATUSES, JobManager, JobStatus, JobStore, default_registry
from media_core.jobs.requests import CaptionsJob, CutJob, RenderJob, ShortsJob, TranslateSubtitlesJob

#: The smallest valid params of every built-in type (no file needs to exist to validate).
VALID: dict[str, dict] = {
    "captions": {"input": "talk.mp4"},
    "translate_subtitles": {"input": "talk.srt", "tgt": "es"},
    "translate_shorts": {"input": "run/manifest.json", "tgt": "es"},
    "render_styled": {"input": "in.mp4", "output": "out.mp4"},
    "burn": {"input": "in.mp4", "subs": "in.srt", "out": "out.mp4"},
    "merge_av": {"input": "in.mp4", "audio": "music.mp3", "out": "out.mp4"},
    "cut": {"input": "in.mp4", "start": 1, "end": 2, "out": "out.mp4"},
    "reframe": {"input": "in.mp4", "out": "out.mp4"},
    "transcript_cut": {"input": "talk.mp4", "extra_fillers": ["like"], "remove_words": [3, 4], "max_pause": 0.8},
    "shorts": {"input": "talk.mp4"},
    "shorts_rerender": {"input": "run/manifest.json", "clip_id": "clip-01", "start": 1, "end": 20},
    "shorts_export": {"input": "run/manifest.json", "output_dir": "export"},
    "ffmpeg_transcode": {"input": "testsrc=duration=1", "lavfi": True},
}


class NoWorkers:
    """An executor that records whether the manager ever tried to run anything."""

    def __init__(self):
        self.spawned = 0

    def __call__(self, fn) -> None:
        self.spawned += 1


@pytest.fixture
def idle_manager(tmp_path):
    executor = NoWorkers()
    manager = JobManager(JobStore(tmp_path / "jobs.sqlite3"), executor=executor)
    manager.executor_probe = executor
    yield manager
    manager.shutdown(timeout=1)


def test_every_registered_type_declares_a_strict_request_model():
    names = default_registry.names()
    assert set(names) == set(VALID), "a job type without a VALID example here (or a stale one)"
    for name in names:
        model = default_registry.get(name).request
        assert model is not None, f"{name} declares no request model"
        assert model.model_config.get("extra") == "forbid", f"{name}'s request accepts unknown fields"
        assert "input" in model.model_fields, f"{name}'s request has no input"
        assert default_registry.for_request(model.model_validate(VALID[name])).name == name


@pytest.mark.parametrize("job_type", sorted(VALID))
def test_a_bad_field_fails_at_submit_with_field_errors(job_type, idle_manager):
    params = {**VALID[job_type], "no_such_setting": 1, "input": ""}
    with pytest.raises(InvalidParameterError) as caught:
        idle_manager.submit(job_type, params)
    errors = caught.value.field_errors
    assert errors["no_such_setting"] == "unknown setting"
    assert "input" in errors
    message = str(caught.value)
    assert "no_such_setting" in message and "input" in message and "\n" not in message
    # Nothing was queued and no worker was asked to run anything: the check ran right here.
    assert idle_manager.list_jobs() == [] and idle_manager.executor_probe.spawned == 0
    assert idle_manager.running_ids() == []


def test_field_errors_name_the_field_a_form_sent(idle_manager):
    with pytest.raises(InvalidParameterError) as caught:
        idle_manager.submit("captions", {"input": "talk.mp4", "max_lines": 5, "formats": "srt,docx"})
    errors = caught.value.field_errors
    # Flat captions keys (as the Captions tab sends them) come back flat, not as grouping.max_lines.
    assert set(errors) == {"max_lines", "formats"}
    assert "docx" in errors["formats"]
    with pytest.raises(InvalidParameterError) as caught:
        idle_manager.submit("render_styled", {"input": "a.mp4", "output": "b.mp4", "trim": {"start": 3, "end": 1}})
    assert list(caught.value.field_errors) == ["trim"]
    with pytest.raises(InvalidParameterError) as caught:
        idle_manager.submit("cut", {**VALID["cut"], "start": 5, "end": 4})
    assert list(caught.value.field_errors) == ["end"] and "after the start" in caught.value.field_errors["end"]
    with pytest.raises(InvalidParameterError) as caught:
        idle_manager.submit("burn", {**VALID["burn"], "style": "No such preset"})
    assert "No such preset" in caught.value.field_errors["style"]


def test_submit_a_request_model_and_its_json_round_trips(idle_manager, tmp_path):
    request = CaptionsJob(input=tmp_path / "talk.mp4", formats="srt,vtt", model="base", max_lines=1)
    job = idle_manager.get(idle_manager.submit(request))
    assert job.type == "captions"
    assert job.params == json.loads(json.dumps(request.model_dump(mode="json")))
    # What is stored validates back to the same request (retry, `reframe run`, another process).
    assert CaptionsJob.model_validate(job.params) == request
    assert job.params["grouping"]["max_lines"] == 1 and job.params["transcription"]["model"] == "base"
    shorts = ShortsJob(input="talk.mp4", num_clips=2, clips=[{"start": 1, "end": 21}])
    stored = idle_manager.get(idle_manager.submit(shorts)).params
    assert stored["clips"][0]["start"] == 1.0 and "input" in stored
    assert shorts.shorts_request().model_dump().keys().isdisjoint({"input", "clips"})
    with pytest.raises(TypeError):
        idle_manager.submit(request, {"input": "x"})


def test_params_stored_by_earlier_versions_still_load():
    # Earlier front ends named the input after the engine argument (video, path, manifest...).
    old = {
        "merge_av": {"video": "in.mp4", "audio": "a.mp3", "out": "o.mp4", "ducking": True},
        "cut": {"video": "in.mp4", "start": 1.0, "end": 2.0, "out": "o.mp4"},
        "translate_subtitles": {"path": "in.srt", "tgt": "es", "bilingual": "two_track"},
        "translate_shorts": {"manifest_path": "m.json", "tgt": "es"},
        "shorts_rerender": {"manifest": "m.json", "clip_id": "c", "start": 1, "end": 2},
        "captions": {"input": "t.mp4", "model": "tiny.en", "output_dir": "out", "formats": ["srt"], "vad": False},
    }
    for name, params in old.items():
        request = default_registry.get(name).validate(params)
        assert str(request.input).endswith(("in.mp4", "in.srt", "m.json", "t.mp4")), name
        again = default_registry.get(name).validate(request.model_dump(mode="json"))
        assert again == request, name
    assert default_registry.get("captions").validate(old["captions"]).transcription.vad is False


def test_requests_reuse_the_engine_models():
    from media_core.captions import CaptionsRequest
    from media_core.render.plan import RenderPlan
    from media_core.shorts.models import ShortsRequest

    assert issubclass(CaptionsJob, CaptionsRequest)
    assert issubclass(ShortsJob, ShortsRequest)
    assert issubclass(RenderJob, RenderPlan)
    assert CutJob.model_validate(VALID["cut"]).end == 2.0
    assert TranslateSubtitlesJob.model_validate(VALID["translate_subtitles"]).backend == "auto"


def test_one_status_enum_with_the_stored_values():
    assert STATUSES == ("queued", "running", "succeeded", "failed", "cancelled", "interrupted")
    assert JobStatus.INTERRUPTED in FINISHED_STATES and "interrupted" in FINISHED_STATES
    assert JobStatus("succeeded") == "succeeded" and f"{JobStatus.FAILED}" == "failed"
    assert InvalidParameterError("x").field_errors == {}


def test_reframe_run_lists_every_bad_field_on_one_line(tmp_path):
    params = json.dumps({"input": "in.mp4", "start": 3, "bogus": 1})
    proc = subprocess.run(
        [sys.executable, "-m", "media_core", "run", "cut", "--params", params],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REFRAME_DATA_DIR": str(tmp_path)},
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr
    for field in ("end", "out", "bogus"):
        assert f"{field}: " in lines[0]
    assert proc.stdout == ""


def test_a_lookup_while_another_thread_loads_the_job_types_waits_for_them():
    """The window loads the job types on its warm-up thread; a submit meanwhile must find them all."""
    script = (
        "import sys, threading\n"
        "from media_core.jobs import default_registry\n"
        "threading.Thread(target=default_registry.names).start()\n"
        "while 'media_core.jobs.builtin' not in sys.modules: pass\n"  # that thread is importing them now
        "print(default_registry.get('merge_av').request.__name__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "MergeAVJob"


@pytest.mark.parametrize(
    ("model_name", "module", "function", "separately"),
    [
        ("BurnJob", "media_core.render.operations", "burn_subtitles", set()),
        ("MergeAVJob", "media_core.render.audio_ops", "merge_video_audio", set()),
        # out_dir goes to translate_subtitle_file_many only (several languages in one job).
        ("TranslateSubtitlesJob", "media_core.translation.subtitles", "translate_subtitle_file", {"out_dir"}),
    ],
)
def test_requests_passed_as_engine_arguments_name_only_real_parameters(model_name, module, function, separately):
    """These job types hand their fields to the engine function by name (engine_arguments):
    a field the function does not take would fail every such job at run time. ``separately``:
    fields the job type itself takes out and passes elsewhere."""
    import importlib
    import inspect

    from media_core.jobs import requests

    model = getattr(requests, model_name)
    parameters = inspect.signature(getattr(importlib.import_module(module), function)).parameters
    first = next(iter(parameters))
    assert set(model.model_fields) - {"input"} - separately <= set(parameters) - {first}
