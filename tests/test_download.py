"""media_core.download against a real HTTP server on 127.0.0.1 (tests/local_http.py)."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from media_core.download import DownloadError, DownloadResult, download
from media_core.errors import CancelledError
from media_core.progress import CancelToken
from tests.local_http import FileServer

BODY = os.urandom(700_000)  # about eleven of the server's 64 KiB chunks
SHA = hashlib.sha256(BODY).hexdigest()
#: Hang guard for the tests that wait on another thread; never a verdict.
HANG_GUARD = 300.0


@pytest.fixture
def server():
    with FileServer({"/file.bin": BODY}) as srv:
        yield srv


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_download_verifies_reports_progress_and_installs_atomically(server, tmp_path):
    seen: list[float] = []
    result = download(
        f"{server.url}/file.bin",
        tmp_path / "out.bin",
        sha256=SHA,
        size=len(BODY),
        progress=lambda f, s="": seen.append(f),
    )
    assert result == DownloadResult(path=tmp_path / "out.bin", size=len(BODY), sha256=SHA, resumed_from=0)
    assert result.path.read_bytes() == BODY
    assert _leftovers(tmp_path) == ["out.bin"]
    assert len(seen) > 2 and seen == sorted(seen) and seen[-1] == 1.0
    # A verified file is not fetched again.
    gets = len(server.requests)
    assert download(f"{server.url}/file.bin", tmp_path / "out.bin", sha256=SHA).path == result.path
    assert len(server.requests) == gets


def test_resume_after_a_cut_connection(server, tmp_path):
    server.drop_once.add("/file.bin")
    result = download(f"{server.url}/file.bin", tmp_path / "out.bin", sha256=SHA, backoff=0)
    assert result.path.read_bytes() == BODY and result.sha256 == SHA
    gets = [r for r in server.requests if r[0] == "GET"]
    assert len(gets) == 2 and gets[0][2] is None
    # The second request asked only for what the cut-off first one had not delivered.
    start = int(gets[1][2].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= len(BODY) // 2
    assert _leftovers(tmp_path) == ["out.bin"]


def test_a_server_ignoring_range_restarts_the_file(server, tmp_path):
    (tmp_path / "out.bin.part").write_bytes(BODY[:1000])
    server.ignore_range.add("/file.bin")
    result = download(f"{server.url}/file.bin", tmp_path / "out.bin", sha256=SHA)
    assert result.path.read_bytes() == BODY and result.resumed_from == 1000
    assert server.requests[-1][2] == "bytes=1000-"


def test_checksum_mismatch_leaves_no_file(server, tmp_path):
    with pytest.raises(DownloadError, match="checksum") as info:
        download(f"{server.url}/file.bin", tmp_path / "out.bin", sha256="0" * 64)
    assert "expected sha256 " + "0" * 64 in (info.value.detail or "")
    assert _leftovers(tmp_path) == []


def test_a_body_longer_than_the_declared_size_is_refused(server, tmp_path):
    with pytest.raises(DownloadError, match="larger than expected"):
        download(f"{server.url}/file.bin", tmp_path / "out.bin", size=len(BODY) - 1)
    assert _leftovers(tmp_path) == []


def test_an_endless_body_is_cut_at_the_cap_and_nothing_is_kept(server, tmp_path):
    server.endless.add("/file.bin")
    written: list[float] = []
    with pytest.raises(DownloadError, match="larger than expected"):
        download(
            f"{server.url}/file.bin",
            tmp_path / "out.bin",
            max_bytes=2_000_000,
            progress=lambda f, s="": written.append(f),
        )
    assert _leftovers(tmp_path) == []
    # Progress is a share of the cap: it never passed 1.0, so no byte beyond the cap was written.
    assert written and max(written) <= 1.0


def test_a_stalled_server_times_out_with_a_clear_error(server, tmp_path):
    server.stall.add("/file.bin")
    with pytest.raises(DownloadError, match=r"kept failing \(the server sent nothing for 0.5 s\)"):
        download(f"{server.url}/file.bin", tmp_path / "out.bin", stall_timeout=0.5, attempts=2, backoff=0)
    assert not (tmp_path / "out.bin").exists()


def test_cancel_wakes_a_blocked_read_and_a_later_call_resumes(server, tmp_path):
    server.stall.add("/file.bin")
    token = CancelToken()
    outcome: list[BaseException | DownloadResult] = []
    half = len(BODY) // 2
    got_the_half = threading.Event()

    def progress(fraction: float, stage: str = "") -> None:
        if round(fraction * len(BODY)) >= half:
            got_the_half.set()

    def run() -> None:
        try:
            outcome.append(
                download(
                    f"{server.url}/file.bin",
                    tmp_path / "out.bin",
                    cancel=token,
                    stall_timeout=HANG_GUARD,
                    progress=progress,
                )
            )
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert got_the_half.wait(HANG_GUARD)
    token.cancel()  # the download is now blocked in a read that no byte will ever end
    worker.join(HANG_GUARD)
    assert len(outcome) == 1 and isinstance(outcome[0], CancelledError)
    assert not (tmp_path / "out.bin").exists()
    kept = (tmp_path / "out.bin.part").stat().st_size
    assert kept == half  # every byte that arrived is kept for the resume

    server.stall.discard("/file.bin")
    result = download(f"{server.url}/file.bin", tmp_path / "out.bin", sha256=SHA)
    assert result.resumed_from == kept and result.path.read_bytes() == BODY
    assert server.requests[-1][2] == f"bytes={kept}-"


def test_cancel_before_start_requests_nothing(server, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        download(f"{server.url}/file.bin", tmp_path / "out.bin", cancel=token)
    assert server.requests == []


def test_404_fails_at_once_and_500_is_retried(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404") as info:
        download(f"{server.url}/missing.bin", tmp_path / "out.bin")
    assert info.value.status == 404 and not info.value.transient
    assert len(server.requests) == 1  # a refusal is not retried

    server.status_once["/file.bin"] = 500
    result = download(f"{server.url}/file.bin", tmp_path / "out.bin", sha256=SHA, backoff=0)
    assert result.path.read_bytes() == BODY
    assert [r[0] for r in server.requests[1:]] == ["GET", "GET"]


def test_500_every_time_gives_up_after_the_attempts(server, tmp_path):
    server.status_always["/file.bin"] = 503
    with pytest.raises(DownloadError, match=r"kept failing \(HTTP 503\)") as info:
        download(f"{server.url}/file.bin", tmp_path / "out.bin", attempts=3, backoff=0)
    assert info.value.transient
    assert len(server.requests) == 3
    assert _leftovers(tmp_path) == []


def test_an_unwritable_destination_is_one_clear_error(server, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the download folder should be")
    with pytest.raises(DownloadError, match=r"Could not save file\.bin"):
        download(f"{server.url}/file.bin", blocker / "file.bin")
    assert server.requests == []
