"""Batches: many files, one job each, grouped in the job store; the model is loaded once; the
CLI runs a batch from files, folders and globs; the API takes a list through its path policy;
an older job store is upgraded with its rows and files kept."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from media_core.api import ApiServer, ApiSettings
from media_core.api.token import new_token
from media_core.cli import main as cli_main
from media_core.errors import InvalidParameterError
from media_core.jobs import JobManager, JobStore
from media_core.jobs.models import JobStatus
from media_core.jobs.store import SCHEMA_VERSION
from media_core.paths import outputs_dir
from media_core.transcription import faster_whisper_backend

pytestmark = pytest.mark.slow

CAPTIONS = {"model": "tiny.en", "language": "en", "threads": 1, "formats": ["srt"]}


def _speech_files(librivox, folder, count):
    """``count`` short files of real speech (the LibriVox utterances, copied under new names)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for n in range(count):
        source, text = librivox[n % len(librivox)]
        target = folder / f"utterance {n:02d}.wav"
        shutil.copyfile(source, target)
        files.append((target, text))
    return files


@pytest.fixture
def manager(tmp_path):
    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"))
    yield mgr
    mgr.shutdown(timeout=10)


def test_a_batch_is_one_job_per_file_and_loads_the_model_once(manager, tmp_path, librivox, tiny_en_model):
    files = _speech_files(librivox, tmp_path / "in", 5)
    faster_whisper_backend.clear_model_cache()
    loads_before = faster_whisper_backend.load_count
    out = tmp_path / "out"
    batch_id = manager.submit_batch(
        [("captions", {**CAPTIONS, "input": str(path), "output_dir": str(out)}) for path, _ in files],
        title="five files",
    )
    batch = manager.wait_batch(batch_id, timeout=600)
    assert batch.counts == {"succeeded": 5}, batch.counts
    assert batch.total == 5 and batch.progress == 1.0 and batch.status == JobStatus.SUCCEEDED
    assert faster_whisper_backend.load_count - loads_before == 1  # one load for five jobs
    jobs = [manager.get(job_id) for job_id in batch.job_ids]
    assert [job.params["input"] for job in jobs] == [str(path) for path, _ in files]
    assert all(job.batch_id == batch_id for job in jobs)
    for job, (_, text) in zip(jobs, files, strict=True):
        srt = next(p for p in job.outputs if p.endswith(".srt"))
        spoken = Path(srt).read_text(encoding="utf-8").lower()
        assert text.split()[-1] in spoken  # the right file's words came out
    assert batch.folder is not None and batch.folder.startswith(str(out))
    assert [b.id for b in manager.list_batches()] == [batch_id]


def test_one_bad_item_refuses_the_whole_batch(manager, tmp_path, jfk_wav):
    with pytest.raises(InvalidParameterError) as caught:
        manager.submit_batch(
            [
                ("captions", {**CAPTIONS, "input": str(jfk_wav)}),
                ("captions", {**CAPTIONS, "input": str(jfk_wav), "formats": ["srt"], "max_lines": 7}),
            ]
        )
    assert "Item 2" in caught.value.message
    assert manager.list_jobs() == [] and manager.list_batches() == []


def test_cancel_and_retry_a_whole_batch(manager, tmp_path):
    requests = [
        (
            "ffmpeg_transcode",
            {
                "input": "testsrc2=size=160x120:rate=10:duration=30",
                "lavfi": True,
                "realtime": True,
                "duration": 30,
                "output": str(tmp_path / f"clip{n}.mp4"),
                "args": ["-c:v", "libx264", "-preset", "ultrafast"],
            },
        )
        for n in range(3)
    ]
    batch_id = manager.submit_batch(requests, title="three clips")
    deadline = time.monotonic() + 60
    while manager.get_batch(batch_id).counts.get("running", 0) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert manager.cancel_batch(batch_id) == 3
    batch = manager.wait_batch(batch_id, timeout=60)
    assert batch.counts == {"cancelled": 3} and batch.status == JobStatus.CANCELLED
    again = manager.retry_batch(batch_id)
    assert sorted(again) == sorted(batch.job_ids)  # the same jobs run again, still in the batch
    assert manager.get_batch(batch_id).counts.get("cancelled", 0) == 0
    manager.cancel_batch(batch_id)
    assert manager.wait_batch(batch_id, timeout=60).counts == {"cancelled": 3}


def test_cli_captions_many_files_folders_and_globs(tmp_path, librivox, tiny_en_model, capsys):
    files = _speech_files(librivox, tmp_path / "talks", 3)
    (tmp_path / "talks" / "notes.txt").write_text("not media", encoding="utf-8")
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really a wav file" * 10)
    extra = tmp_path / "glob one.wav"
    shutil.copyfile(librivox[0][0], extra)
    earlier = {b.id for b in JobStore().list_batches()}  # other tests' batches share the store
    code = cli_main(
        [
            "captions",
            str(tmp_path / "talks"),
            str(tmp_path / "glob*.wav"),
            str(broken),
            "--model",
            "tiny.en",
            "--language",
            "en",
            "--threads",
            "1",
            "-q",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 1  # one file failed
    assert len(lines) == 5, lines  # one line per file, in order
    sources = [line.split("\t")[1] for line in lines]
    assert sources == [*(str(p) for p, _ in files), str(extra), str(broken)]
    assert [line.split("\t")[0] for line in lines] == ["ok"] * 4 + ["failed"]
    assert all(line.split("\t")[2].endswith(".srt") for line in lines[:4])
    store = JobStore()
    batches = [b for b in store.list_batches() if b.id not in earlier]
    assert len(batches) == 1 and batches[0].total == 5


def test_api_batch_goes_through_the_path_policy(manager, tmp_path, jfk_wav):
    token = new_token()
    server = ApiServer(manager, ApiSettings(enabled=True, port=0), token=token).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
            uploaded = []
            for n in range(2):
                with open(jfk_wav, "rb") as fh:
                    response = client.post("/files", files={"file": (f"talk{n}.wav", fh.read())})
                uploaded.append(response.json()["path"])
            outside = tmp_path / "private.wav"
            shutil.copyfile(jfk_wav, outside)
            refused = client.post(
                "/jobs/batch",
                json={
                    "type": "captions",
                    "params": CAPTIONS,
                    "items": [{"input": uploaded[0]}, {"input": str(outside)}],
                },
            )
            assert refused.status_code == 403, refused.text
            assert refused.json()["message"].startswith("Item 2:")
            assert manager.list_jobs() == []  # nothing of the refused batch was queued
            created = client.post(
                "/jobs/batch",
                json={
                    "type": "captions",
                    "params": {**CAPTIONS, "output_dir": str(outputs_dir() / "api batch")},
                    "items": [{"input": path} for path in uploaded],
                    "title": "from a script",
                },
            )
            assert created.status_code == 201, created.text
            batch = created.json()
            assert batch["title"] == "from a script" and len(batch["job_ids"]) == 2
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                batch = client.get(f"/batches/{batch['id']}").json()
                if batch["counts"].get("succeeded") == 2:
                    break
                time.sleep(0.5)
            assert batch["counts"] == {"succeeded": 2} and batch["status"] == "succeeded"
            job = client.get(f"/jobs/{batch['job_ids'][0]}").json()
            assert job["batch_id"] == batch["id"]
    finally:
        server.stop()


def test_an_older_job_store_is_upgraded_with_its_jobs_and_files(tmp_path):
    """A store written by the previous version (schema 1, no 'paused' in its CHECK)."""
    from media_core.jobs import store as store_module

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("BEGIN")
    old_statuses = store_module.STATUSES
    store_module.STATUSES = tuple(s for s in old_statuses if s != "paused")
    try:
        store_module._m1_initial(db)
    finally:
        store_module.STATUSES = old_statuses
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version VALUES (1)")
    db.execute(
        "INSERT INTO jobs(id, type, params, status, created_at) VALUES ('a', 'captions', '{}', 'succeeded', 1.0)"
    )
    db.execute("INSERT INTO jobs(id, type, status, created_at, retry_of) VALUES ('b', 'captions', 'failed', 2.0, 'a')")
    db.execute("INSERT INTO assets(job_id, role, path, created_at) VALUES ('a', 'output', '/x/a.srt', 1.0)")
    db.execute("COMMIT")
    with pytest.raises(sqlite3.IntegrityError):  # the old table refuses the new status
        db.execute("UPDATE jobs SET status = 'paused' WHERE id = 'a'")
    db.close()

    store = JobStore(path)
    assert store.schema_version() == SCHEMA_VERSION and store.integrity_check() == "ok"
    assert store.get("a").outputs == ["/x/a.srt"] and store.get("b").retry_of == "a"
    store._conn().execute("UPDATE jobs SET status = 'paused' WHERE id = 'b'")
    assert store.get("b").status == JobStatus.PAUSED
    assert store._conn().execute("PRAGMA foreign_key_check").fetchall() == []
    store.delete("a")  # the cascade to assets still works after the rebuild
    assert store._conn().execute("SELECT COUNT(*) FROM assets").fetchone()[0] == 0
    assert store.get("b").retry_of is None


def test_cli_shorts_many_videos(tmp_path, speech_video, tiny_en_model, capsys):
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("one.mp4", "two.mp4"):
        shutil.copyfile(speech_video, videos / name)
    out = tmp_path / "shorts out"
    args = ["shorts", str(videos / "*.mp4"), "-n", "1", "--min", "3", "--max", "8", "--height", "320"]
    assert cli_main([*args, "--plan-only"]) == 2  # a plan is for one video
    assert "--plan-only takes one video" in capsys.readouterr().err
    code = cli_main([*args, "--model", "tiny.en", "--language", "en", "--no-semantic", "--out", str(out)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0, lines
    assert [line.split("\t")[:2] for line in lines] == [
        ["ok", str(videos / "one.mp4")],
        ["ok", str(videos / "two.mp4")],
    ]
    runs = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert runs == ["one shorts", "two shorts"]  # one run folder per video, side by side
    for run in runs:
        assert (out / run / "manifest.json").is_file() and list((out / run).glob("*.mp4"))
