"""JobStore: schema migrations, listing 1,000 jobs, concurrent writers, assets."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from media_core.jobs import JobStore, StoreVersionError
from media_core.jobs.store import SCHEMA_VERSION
from media_core.paths import file_sha256


def test_migrates_an_empty_file_and_reopens(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    path.touch()  # an empty file is a valid, empty SQLite database
    store = JobStore(path)
    assert store.schema_version() == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"jobs", "assets", "schema_version"} <= tables
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"jobs_status_created", "jobs_type_created", "jobs_created", "assets_job"} <= indexes
    conn.close()
    job = store.create("captions", {"input": "a b [c].mp4", "n": 1}, title="Captions")
    store.close()

    again = JobStore(path)  # re-open: no migration re-run, data intact
    assert again.schema_version() == SCHEMA_VERSION
    assert again.get(job.id).params == {"input": "a b [c].mp4", "n": 1}
    versions = sqlite3.connect(path).execute("SELECT version FROM schema_version").fetchall()
    assert [v[0] for v in versions] == list(range(1, SCHEMA_VERSION + 1))
    assert again.integrity_check() == "ok"


def test_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    JobStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version(version) VALUES (?)", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreVersionError) as err:
        JobStore(path)
    assert "newer version" in str(err.value)


@pytest.fixture(scope="module")
def store_1000(tmp_path_factory):
    store = JobStore(tmp_path_factory.mktemp("jobs1000") / "jobs.sqlite3")
    types = ["captions", "render_styled", "shorts", "translate_subtitles", "merge_av"]
    base = time.time() - 1000 * 3600
    for i in range(1000):
        job = store.create(
            types[i % 5], {"input": f"/videos/clip {i:04d}.mp4", "lang": "en"}, created_at=base + i * 3600
        )
        if i % 4 == 0:
            store.claim(job.id)
            store.finish(job.id, "failed", error=("ffmpeg_failed", f"ffmpeg failed on clip {i}", None))
        elif i % 4 == 1:
            store.claim(job.id)
            store.finish(job.id, "succeeded")
    return store, base


def test_listing_1000_jobs_is_correct(store_1000):
    store, base = store_1000
    assert store.count_jobs() == 1000
    assert len(store.list_jobs(status="failed", limit=None)) == 250
    assert len(store.list_jobs(type="captions", limit=None)) == 200
    assert len(store.list_jobs(status=["failed", "succeeded"], type="shorts", limit=None)) == 100
    window = store.list_jobs(since=base + 100 * 3600, until=base + 200 * 3600, limit=None)
    assert len(window) == 100 and all(base + 100 * 3600 <= j.created_at < base + 200 * 3600 for j in window)
    found = store.list_jobs(search="clip 0042")
    assert [j.params["input"] for j in found] == ["/videos/clip 0042.mp4"]
    assert len(store.list_jobs(search="failed on clip", limit=None)) == 250
    newest = store.list_jobs(limit=20)
    assert [j.created_at for j in newest] == sorted((j.created_at for j in newest), reverse=True)
    assert len(store.list_jobs(limit=20, offset=990)) == 10
    # How fast these listings run is measured by benchmarks/jobs_listing.py, not asserted here.


def test_two_threads_updating_progress_lose_nothing(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    ids = [store.create("captions", {}).id, store.create("shorts", {}).id]
    for job_id in ids:
        store.claim(job_id)
    steps = 400
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(job_id: str, salt: int) -> None:
        try:
            barrier.wait()
            for i in range(1, steps + 1):
                store.update_progress(job_id, i / steps, f"step {i}")
                if i % 50 == 0:  # interleave other writes on the same database
                    store.append_log(job_id, f"line {i}")
                    store.add_asset(job_id, "input", tmp_path / f"in{salt}-{i}.wav", "audio")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(job_id, n)) for n, job_id in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for job_id in ids:
        job = store.get(job_id)
        assert job.progress == 1.0 and job.stage == f"step {steps}"
        assert len(job.inputs) == steps // 50
        assert store.get_log(job_id).count(" line ") == steps // 50
    assert store.integrity_check() == "ok"


def test_outputs_are_registered_with_size_and_checksum(tmp_path, odd_dir):
    store = JobStore(tmp_path / "jobs.sqlite3")
    src = odd_dir / "input clip.wav"
    src.write_bytes(b"RIFF" + b"\0" * 100)
    job = store.create("captions", {"input": str(src)}, inputs=[(src, "input")])
    store.claim(job.id)
    out = odd_dir / "sous-titres «final».srt"
    out.write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n", encoding="utf-8")
    done = store.finish(job.id, "succeeded", outputs=[(out, "srt")], result={"language": "en"})
    assert done.status == "succeeded" and done.progress == 1.0 and done.attempts == 1
    assert done.outputs == [str(out)] and done.inputs == [str(src)]
    asset = next(a for a in done.assets if a.role == "output")
    assert asset.kind == "srt" and asset.size == out.stat().st_size and asset.sha256 == file_sha256(out)
    assert [a.sha256 for a in done.assets if a.role == "input"] == [None]  # inputs: size + mtime only
    assert done.result == {"language": "en"}
    assert done.started_at <= done.finished_at
