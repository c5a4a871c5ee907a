"""JobManager on real ffmpeg jobs: crash (SIGKILL) recovery, cancel, retries, limits, errors."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from media_core.errors import FileBusyError, ReframeError, error_from_oserror
from media_core.jobs import JobManager, JobStore, UnknownJobTypeError, default_registry
from media_core.jobs.registry import JobRegistry
from media_core.paths import TEMP_MARKER
from tests.processes import wait_for_orphans

REPO = Path(__file__).resolve().parent.parent
#: Hang guard for waits on jobs and threads: generous on a busy machine, never a verdict.
HANG_GUARD = 600


def _lavfi_params(output: Path, seconds: float, *, realtime: bool) -> dict:
    return {
        "input": f"testsrc=duration={seconds}:size=320x240:rate=25",
        "lavfi": True,
        "duration": seconds,
        "realtime": realtime,
        "output": str(output),
        "args": ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    }


def _temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if TEMP_MARKER in p.name]


@pytest.fixture
def manager(tmp_path):
    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"), retry_base_delay=0.3)
    yield mgr
    mgr.shutdown()


CHILD = r"""
import sys, json
from media_core.jobs import JobManager, JobStore
manager = JobManager(JobStore(sys.argv[1]))
job_id = manager.submit("ffmpeg_transcode", json.loads(sys.argv[2]))
print(job_id, flush=True)
manager.wait(job_id)
print("finished", flush=True)
"""


def test_sigkill_midway_leaves_interrupted_job_and_retry_succeeds(tmp_path, odd_dir):
    db = tmp_path / "jobs.sqlite3"
    output = odd_dir / "rendu final.mp4"
    params = _lavfi_params(output, 4, realtime=True)
    import json

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), json.dumps(params)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        job_id = child.stdout.readline().strip()
        assert len(job_id) == 32, job_id
        watcher = JobStore(db)
        deadline = time.monotonic() + HANG_GUARD
        while time.monotonic() < deadline:  # midway: running, some progress, temp file being written
            job = watcher.get(job_id)
            if job.status == "running" and job.progress > 0.1 and _temps(odd_dir):
                break
            assert not job.is_finished, f"the 4 s real-time job ended before the test saw it midway: {job}"
            time.sleep(0.05)
        else:
            pytest.fail(f"child job never got midway: {watcher.get(job_id)}")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)  # reap it, or the pid still looks alive
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert not output.exists(), "a finished-looking output exists after the crash"

    store = JobStore(db)  # "restart"
    assert store.integrity_check() == "ok"
    assert store.get(job_id).status == "running"  # as the crash left it
    manager = JobManager(store)
    try:
        report = manager.start()
        assert report is not None and job_id in report.interrupted
        crashed = store.get(job_id)
        assert crashed.status == "interrupted" and crashed.outputs == []
        assert "interrupted" in store.get_log(job_id)
        wait_for_orphans(odd_dir)  # the orphaned ffmpeg dies of SIGPIPE on its next progress write
        manager.recover()
        assert not output.exists() and _temps(odd_dir) == []

        new_id = manager.retry(job_id)
        retried = manager.wait(new_id, timeout=HANG_GUARD)
        assert retried.status == "succeeded", (retried.error_code, retried.error_message, retried.error_detail)
        assert retried.retry_of == job_id and retried.attempts == 1
        assert retried.outputs == [str(output)] and output.stat().st_size > 1000
        asset = next(a for a in retried.assets if a.role == "output")
        assert asset.sha256 and asset.size == output.stat().st_size
        assert "$ " in store.get_log(new_id) and "ffmpeg finished" in store.get_log(new_id)
        assert _temps(odd_dir) == []
    finally:
        manager.shutdown()


HOLDER = r"""
import sys, json
from media_core.jobs import JobStore
job = JobStore(sys.argv[1]).create("ffmpeg_transcode", json.loads(sys.argv[2]))
print(job.id, flush=True)
sys.stdin.read()  # alive, as a CLI run or a headless API server would be, until the test lets go
"""


def test_a_job_queued_by_another_live_process_is_left_to_it_then_adopted(tmp_path):
    """The desktop, a CLI run and an API server may share one store: none runs another's
    queued job while that process lives, and a job queued by a process that died is adopted."""
    import json

    db = tmp_path / "jobs.sqlite3"
    output = tmp_path / "theirs.mp4"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), json.dumps(_lavfi_params(output, 1, realtime=False))],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    manager = JobManager(JobStore(db), retry_base_delay=0.3)
    try:
        their_id = holder.stdout.readline().strip()
        assert len(their_id) == 32, their_id
        mine = manager.submit("ffmpeg_transcode", _lavfi_params(tmp_path / "mine.mp4", 1, realtime=False))
        assert manager.wait(mine, timeout=HANG_GUARD).status == "succeeded"
        time.sleep(2.5)  # more than one dispatch poll
        assert manager.get(their_id).status == "queued", "ran a job another live process queued"
        holder.stdin.close()
        holder.wait(timeout=10)
        adopted = manager.wait(their_id, timeout=HANG_GUARD)
        assert adopted.status == "succeeded" and output.exists()
    finally:
        manager.shutdown()
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_cancel_during_ffmpeg_render_leaves_no_file(manager, tmp_path):
    output = tmp_path / "cancelled.mp4"
    states: list[tuple[str, float]] = []
    cancelled = threading.Event()

    def on_state(job_id, status):
        states.append((status, time.monotonic()))
        if status == "cancelled":
            cancelled.set()

    manager.add_listener(on_state=on_state)
    job_id = manager.submit("ffmpeg_transcode", _lavfi_params(output, 30, realtime=True))
    deadline = time.monotonic() + HANG_GUARD
    while manager.get(job_id).progress <= 0.02 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert manager.get(job_id).status == "running" and _temps(tmp_path)
    requested = time.monotonic()
    assert manager.cancel(job_id)
    assert cancelled.wait(HANG_GUARD), states
    took = time.monotonic() - requested
    job = manager.get(job_id)
    assert job.status == "cancelled" and job.outputs == []
    # Reported, not judged: benchmarks/cancel_latency.py measures it.
    print(f"cancel -> cancelled state: {took:.3f}s")
    assert not output.exists() and _temps(tmp_path) == []
    assert not (manager.store.job_dir(job_id) / "work").exists()
    assert "cancelled" in manager.store.get_log(job_id)


def test_cancel_queued_job_is_immediate(tmp_path):
    registry = JobRegistry(load_builtins=False)
    gate = threading.Event()
    registry.register("block", lambda params, ctx: gate.wait(HANG_GUARD) and None, heavy=True)
    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"), registry=registry)
    try:
        first = mgr.submit("block", {})
        second = mgr.submit("block", {})  # waits for the single heavy slot
        assert mgr.cancel(second)
        assert mgr.get(second).status == "cancelled"
        gate.set()
        assert mgr.wait(first, timeout=HANG_GUARD).status == "succeeded"
        assert mgr.get(second).attempts == 0
    finally:
        mgr.shutdown()


def test_transient_failure_is_retried_with_backoff(tmp_path):
    registry = JobRegistry(load_builtins=False)
    starts: list[float] = []

    @registry.job_type("flaky", max_attempts=3)
    def flaky(params, ctx):
        starts.append(time.monotonic())
        out = Path(params["output"])
        if len(starts) < 3:  # what the engine raises when another program holds the file
            import errno

            raise error_from_oserror(OSError(errno.EBUSY, "Device or resource busy"), out)
        out.write_text("ok")
        ctx.add_output(out, "txt")

    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"), registry=registry, retry_base_delay=0.25)
    try:
        job_id = mgr.submit("flaky", {"output": str(tmp_path / "o.txt")})
        job = mgr.wait(job_id, timeout=HANG_GUARD)
    finally:
        mgr.shutdown()
    assert job.status == "succeeded", job
    assert job.attempts == 3 and len(starts) == 3
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps[0] >= 0.25 and gaps[1] >= 0.5, gaps  # exponential: 0.25 s then 0.5 s
    log = mgr.store.get_log(job_id)
    assert log.count("retrying in") == 2 and "attempt 3/3" in log
    assert "in use by another program" in log


def test_busy_files_are_transient_and_a_full_disk_is_not():
    import errno

    busy = error_from_oserror(OSError(errno.ETXTBSY, "Text file busy"), "out.mp4")
    assert isinstance(busy, FileBusyError) and busy.transient and "out.mp4" in str(busy)
    full = error_from_oserror(OSError(errno.ENOSPC, "No space left on device"), "out.mp4")
    assert full.code == "disk_full" and not full.transient
    assert error_from_oserror(OSError(errno.EACCES, "Permission denied"), "out.mp4") is None


def test_errors_are_recorded_and_the_manager_survives(tmp_path):
    registry = JobRegistry(load_builtins=False)

    @registry.job_type("always_transient", max_attempts=2)
    def always(params, ctx):
        raise FileBusyError("Still locked.")

    @registry.job_type("bug")
    def bug(params, ctx):
        return {}["missing"]

    @registry.job_type("bad_input")
    def bad(params, ctx):
        ctx.log("checking input")
        raise ReframeError("That file is not a video.", detail="probe said: text/plain")

    @registry.job_type("fine")
    def fine(params, ctx):
        for i in range(5):
            ctx.progress(i / 4, "working")

    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"), registry=registry, retry_base_delay=0.05)
    try:
        ids = {name: mgr.submit(name, {}) for name in ("always_transient", "bug", "bad_input", "fine")}
        jobs = {name: mgr.wait(job_id, timeout=HANG_GUARD) for name, job_id in ids.items()}
        with pytest.raises(UnknownJobTypeError):
            mgr.submit("no_such_type", {})
    finally:
        mgr.shutdown()
    assert jobs["always_transient"].status == "failed" and jobs["always_transient"].attempts == 2
    assert jobs["bug"].status == "failed" and jobs["bug"].error_code == "internal"
    assert "KeyError" in jobs["bug"].error_detail and "Traceback" in jobs["bug"].error_detail
    assert "Traceback" in mgr.store.get_log(ids["bug"])
    assert (jobs["bad_input"].error_code, jobs["bad_input"].error_message) == ("error", "That file is not a video.")
    assert jobs["bad_input"].error_detail == "probe said: text/plain"
    assert jobs["fine"].status == "succeeded" and jobs["fine"].progress == 1.0


def test_heavy_jobs_run_one_at_a_time_and_light_jobs_alongside(tmp_path):
    registry = JobRegistry(load_builtins=False)
    lock = threading.Lock()
    running = {"heavy": 0, "light": 0}
    peak = {"heavy": 0, "light": 0, "both": 0}
    # Every job holds its slot until one heavy and two light jobs have been seen running at
    # once, so that moment certainly comes, however slowly each thread gets going.
    full_house = threading.Event()

    def make(kind):
        def fn(params, ctx):
            with lock:
                running[kind] += 1
                peak[kind] = max(peak[kind], running[kind])
                peak["both"] = max(peak["both"], int(running["heavy"] > 0 and running["light"] > 0))
                if running["heavy"] >= 1 and running["light"] >= 2:
                    full_house.set()
            full_house.wait(HANG_GUARD)
            with lock:
                running[kind] -= 1

        return fn

    registry.register("heavy", make("heavy"), heavy=True)
    registry.register("light", make("light"), heavy=False)
    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"), registry=registry, heavy_slots=1, light_slots=2)
    try:
        ids = [mgr.submit("heavy", {}) for _ in range(3)] + [mgr.submit("light", {}) for _ in range(3)]
        assert all(mgr.wait(i, timeout=HANG_GUARD).status == "succeeded" for i in ids)
    finally:
        mgr.shutdown()
    assert peak["heavy"] == 1 and peak["light"] == 2 and peak["both"] == 1, peak


def test_resume_requeues_the_same_job(tmp_path):
    registry = JobRegistry(load_builtins=False)
    calls = []

    @registry.job_type("once_broken")
    def once_broken(params, ctx):
        calls.append(1)
        if len(calls) == 1:
            raise ReframeError("Broken the first time.")

    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"), registry=registry)
    try:
        job_id = mgr.submit("once_broken", {})
        assert mgr.wait(job_id, timeout=HANG_GUARD).status == "failed"
        assert mgr.resume(job_id) == job_id
        job = mgr.wait(job_id, timeout=HANG_GUARD)
        assert job.status == "succeeded" and job.error_message is None
        assert "resumed after failed" in mgr.store.get_log(job_id)
        mgr.delete(job_id)
        assert mgr.list_jobs() == []
    finally:
        mgr.shutdown()


def test_builtin_types_are_registered_lazily():
    names = default_registry.names()
    for name in (
        "captions",
        "translate_subtitles",
        "render_styled",
        "merge_av",
        "cut",
        "reframe",
        "shorts",
        "ffmpeg_transcode",
    ):
        assert name in names


def test_shutdown_interrupts_running_jobs_which_resume(tmp_path):
    registry = JobRegistry(load_builtins=False)
    runs = []

    @registry.job_type("waits", heavy=True)
    def waits(params, ctx):
        runs.append(1)
        if len(runs) == 1:
            ctx.cancel.wait(10)
            ctx.raise_if_cancelled()

    store = JobStore(tmp_path / "jobs.sqlite3")
    mgr = JobManager(store, registry=registry)
    job_id = mgr.submit("waits", {})
    deadline = time.monotonic() + 10
    while not runs and time.monotonic() < deadline:  # inside the job function, not just claimed
        time.sleep(0.02)
    mgr.shutdown()
    assert store.get(job_id).status == "interrupted"
    again = JobManager(store, registry=registry)
    try:
        assert again.resume(job_id) == job_id
        assert again.wait(job_id, timeout=HANG_GUARD).status == "succeeded"
    finally:
        again.shutdown()


def test_recover_sweeps_orphan_temps_and_applies_retention(tmp_path):
    from media_core.paths import outputs_dir, temp_path_for

    store = JobStore(tmp_path / "jobs.sqlite3")
    old = store.create("captions", {})
    store.claim(old.id)
    store.finish(old.id, "failed", error=("x", "x", None))
    store.append_log(old.id, "old line")
    (store.job_dir(old.id) / "work").mkdir(parents=True)
    store._conn().execute("UPDATE jobs SET finished_at = ? WHERE id = ?", (time.time() - 40 * 86400, old.id))
    recent = store.create("captions", {})
    store.claim(recent.id)
    store.finish(recent.id, "failed", error=("x", "x", None))
    store.append_log(recent.id, "recent line")
    orphan = temp_path_for(outputs_dir() / "sub dir" / "clip.mp4")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"partial")
    os.utime(orphan, (time.time() - 3600, time.time() - 3600))  # left by a crash an hour ago
    fresh = temp_path_for(outputs_dir() / "sub dir" / "other.mp4")
    fresh.write_bytes(b"another process is writing this right now")
    keep = outputs_dir() / "sub dir" / "clip.mp4"
    keep.write_bytes(b"finished")

    report = JobManager(store, retention_days=30).recover()
    assert orphan in report.swept and not orphan.exists() and keep.exists()
    assert fresh.exists()
    fresh.unlink()
    assert report.pruned == [old.id] and not store.job_dir(old.id).exists()
    assert store.get(old.id).status == "failed"  # history kept, only its files pruned
    assert "recent line" in store.get_log(recent.id)


def test_progress_is_throttled_but_the_final_value_is_kept(tmp_path):
    registry = JobRegistry(load_builtins=False)

    @registry.job_type("chatty")
    def chatty(params, ctx):
        for i in range(1, 2001):
            ctx.progress(i / 2000 * 0.9, "counting")  # 0.045 % steps
        ctx.progress(0.9001, "counting")  # tiny last step: throttled, then flushed

    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"), registry=registry)
    seen = []
    mgr.add_listener(on_progress=lambda job_id, f, s: seen.append(f))
    try:
        job_id = mgr.submit("chatty", {})
        assert mgr.wait(job_id, timeout=HANG_GUARD).status == "succeeded"
    finally:
        mgr.shutdown()
    assert 100 < len(seen) < 400, len(seen)  # every ~0.5 %, not 2,000 writes
    assert seen == sorted(seen) and seen[-1] == pytest.approx(0.9001)


def test_heavy_job_limit_follows_the_settings_while_running(tmp_path):
    from media_core.settings import load_engine_settings, save_engine_settings

    registry = JobRegistry(load_builtins=False)
    running: set[str] = set()
    peak = [0]
    lock = threading.Lock()
    # A job holds its slot until ``wanted`` jobs run at once (so a second slot, when there
    # is one, is certainly used): with one slot that is 1, with two it is 2.
    wanted = [1]
    enough = threading.Event()

    @registry.job_type("work", heavy=True)
    def work(params, ctx):
        with lock:
            running.add(params["n"])
            peak[0] = max(peak[0], len(running))
            if len(running) >= wanted[0]:
                enough.set()
        enough.wait(HANG_GUARD)
        with lock:
            running.discard(params["n"])

    original = load_engine_settings(environment=False)
    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"), registry=registry)
    try:
        save_engine_settings(original.model_copy(update={"heavy_jobs": 1}))
        ids = [mgr.submit("work", {"n": n}) for n in range(2)]
        for job_id in ids:
            mgr.wait(job_id, timeout=HANG_GUARD)
        assert peak[0] == 1
        save_engine_settings(original.model_copy(update={"heavy_jobs": 2}))
        assert mgr.heavy_slots == 2
        peak[0], wanted[0] = 0, 2
        enough.clear()
        ids = [mgr.submit("work", {"n": n}) for n in range(2)]
        for job_id in ids:
            assert mgr.wait(job_id, timeout=HANG_GUARD).status == "succeeded"
        assert peak[0] == 2
    finally:
        mgr.shutdown()
        save_engine_settings(original)


def test_export_outputs_zips_every_file_even_with_equal_names(tmp_path):
    import zipfile

    registry = JobRegistry(load_builtins=False)

    @registry.job_type("two_runs")
    def two_runs(params, ctx):
        for run in ("run 1", "run 2"):
            out = tmp_path / run / "clip-01.srt"
            out.parent.mkdir()
            out.write_text(f"{run}\n", encoding="utf-8")
            ctx.add_output(out, "srt")

    mgr = JobManager(JobStore(tmp_path / "jobs.sqlite3"), registry=registry)
    try:
        job_id = mgr.submit("two_runs", {})
        assert mgr.wait(job_id, timeout=HANG_GUARD).status == "succeeded"
        dest = mgr.export_outputs(job_id, tmp_path / "export.zip")
    finally:
        mgr.shutdown()
    with zipfile.ZipFile(dest) as zf:
        names = sorted(zf.namelist())
        assert names == ["clip-01.srt", "run 2/clip-01.srt"]
        assert zf.read("run 2/clip-01.srt").decode() == "run 2\n"
