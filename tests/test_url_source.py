"""A video link instead of a file: yt-dlp against a real HTTP server on 127.0.0.1.

The server serves a real video (footage + real speech) the way a web server does, an HTML
page where a video was expected, a server that stalls in the middle of the body, and a
cancel in the middle of a download. Every verdict is about what was written and said, never about time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from media_core.errors import CancelledError
from media_core.progress import CancelToken
from media_core.url_source import (
    UrlDownloadError,
    UrlFetchOptions,
    UrlNetworkError,
    downloads_dir,
    fetch_url,
    is_url,
)

REPO = Path(__file__).resolve().parent.parent
CHUNK = 32 * 1024


class VideoSite:
    """``/talk.mp4`` (video/mp4, with ranges), ``/page.html`` (a page with no video) and
    ``/stall.mp4`` (sends part of the body, then nothing until the test ends)."""

    def __init__(self, video: bytes):
        self.video = video
        self.gets: list[str] = []
        self.stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _head(self, status: int, ctype: str, length: int) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(length))
                self.end_headers()

            def do_HEAD(self):
                self._head(200, "video/mp4", len(site.video))

            def do_GET(self):
                site.gets.append(self.path)
                try:
                    self._serve()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _serve(self):
                body = site.video
                if self.path == "/page.html":
                    page = b"<!doctype html><html><head><title>Blog</title></head><body><p>No video.</p></body></html>"
                    self._head(200, "text/html; charset=utf-8", len(page))
                    self.wfile.write(page)
                elif self.path == "/talk.mp4":
                    rng = self.headers.get("Range")
                    start = int(rng.removeprefix("bytes=").split("-")[0]) if rng else 0
                    self._head(206 if rng else 200, "video/mp4", len(body) - start)
                    self.wfile.write(body[start:])
                elif self.path == "/stall.mp4":
                    self._head(200, "video/mp4", len(body))
                    self.wfile.write(body[:CHUNK])
                    self.wfile.flush()
                    site.stop.wait(120)
                else:
                    self._head(404, "text/plain", 0)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site(speech_video):
    server = VideoSite(speech_video.read_bytes())
    yield server
    server.close()


@pytest.fixture
def fresh_downloads(tmp_path, monkeypatch):
    # Each test gets its own data dir, so the URL cache of one test is not another's.
    monkeypatch.setenv("REFRAME_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "downloads"


def cached_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_is_url_tells_links_from_paths():
    assert is_url("https://www.youtube.com/watch?v=abc")
    assert is_url("http://127.0.0.1:8000/a.mp4")
    assert not is_url("/home/me/talk.mp4")
    assert not is_url("C:\\Videos\\talk.mp4")
    assert not is_url("ftp://host/a.mp4")
    assert not is_url("https://")


def test_captions_from_a_link_end_to_end_and_the_link_is_downloaded_once(
    site, tiny_en_model, tmp_path, fresh_downloads
):
    url = f"{site.url}/talk.mp4"
    env = {**os.environ, "REFRAME_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    out = tmp_path / "captions"

    def run_cli() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "media_core", "captions", url, "--format", "srt", "--model", str(tiny_en_model),
             "--language", "en", "--threads", "1", "--out", str(out)],
            capture_output=True, text=True, timeout=600, cwd=REPO, env=env,
        )  # fmt: skip

    first = run_cli()
    assert first.returncode == 0, first.stderr
    srt = Path(first.stdout.strip().splitlines()[-1])
    assert srt.parent == out and srt.suffix == ".srt"
    text = srt.read_text(encoding="utf-8").lower()
    assert "country" in text and "americans" in text
    downloads_of_video = site.gets.count("/talk.mp4")
    assert downloads_of_video >= 1
    [video] = [p for p in cached_files(fresh_downloads) if p.suffix == ".mp4"]
    assert video.read_bytes() == site.video

    second = run_cli()
    assert second.returncode == 0, second.stderr
    assert site.gets.count("/talk.mp4") == downloads_of_video  # the cache answered
    assert [p for p in cached_files(fresh_downloads) if p.suffix == ".mp4"] == [video]


def test_the_log_names_the_source_url_and_a_second_fetch_reuses_the_file(site, speech_video, fresh_downloads):
    from media_core.probe import probe

    url = f"{site.url}/talk.mp4"
    lines: list[str] = []
    first = fetch_url(url, log=lines.append)
    assert f"source URL: {url}" in lines
    assert not first.reused and first.size == len(site.video) and first.extractor == "generic"
    # read from the remote header before the download
    assert first.duration == pytest.approx(probe(speech_video).duration, abs=0.05)
    again: list[str] = []
    second = fetch_url(url, log=again.append)
    assert second.reused and second.path == first.path
    assert any("reusing the earlier download" in line for line in again)


def test_an_html_page_instead_of_a_video_is_one_clear_error(site, fresh_downloads):
    with pytest.raises(UrlDownloadError, match="No video found at") as info:
        fetch_url(f"{site.url}/page.html")
    assert "Traceback" not in str(info.value)
    assert cached_files(fresh_downloads) == []


def test_a_missing_video_says_removed_or_wrong_link(site, fresh_downloads):
    with pytest.raises(UrlDownloadError, match="removed or the link is wrong"):
        fetch_url(f"{site.url}/gone.mp4")


def test_a_stalled_server_gives_a_network_error_and_leaves_nothing(site, fresh_downloads):
    with pytest.raises(UrlNetworkError, match="failed or stalled"):
        fetch_url(f"{site.url}/stall.mp4", UrlFetchOptions(timeout=1.0, retries=0))
    assert cached_files(fresh_downloads) == []


def test_a_video_over_the_size_limit_is_refused_and_leaves_nothing(site, fresh_downloads):
    with pytest.raises(UrlDownloadError, match="limit for downloads"):
        fetch_url(f"{site.url}/talk.mp4", UrlFetchOptions(max_bytes=len(site.video) // 3))
    assert cached_files(fresh_downloads) == []


def test_a_video_over_the_duration_limit_is_refused_before_download(site, fresh_downloads):
    with pytest.raises(UrlDownloadError, match="longer than the"):
        fetch_url(f"{site.url}/talk.mp4", UrlFetchOptions(max_duration=5.0))
    assert cached_files(fresh_downloads) == []


def test_cancel_mid_download_stops_and_leaves_nothing(site, fresh_downloads):
    token = CancelToken()
    seen: list[float] = []

    def progress(fraction: float, stage: str = "") -> None:
        seen.append(fraction)
        if stage.startswith("downloading") and fraction > 0.02:
            token.cancel()  # the first block has arrived; the next one must not be written

    with pytest.raises(CancelledError):
        fetch_url(f"{site.url}/talk.mp4", progress=progress, cancel=token)
    assert seen and max(seen) < 0.5
    assert cached_files(fresh_downloads) == []
    assert not [p for p in downloads_dir().iterdir() if p.name.startswith(".part-")]


def test_shorts_from_a_link_find_and_render_with_one_download(tiny_en_model, fresh_downloads):
    from media_core.shorts.models import ShortsRequest
    from media_core.shorts.pipeline import find_shorts, render_shorts
    from tests import assets

    talk, _ = assets.shorts_talk_video()
    server = VideoSite(talk.read_bytes())
    try:
        url = f"{server.url}/talk.mp4"
        request = ShortsRequest(
            num_clips=1, min_duration=8.0, max_duration=30.0, output_height=320,
            transcription={"model": str(tiny_en_model), "language": "en", "threads": 1},
        )  # fmt: skip
        lines: list[str] = []
        plan = find_shorts(url, request, log=lines.append)
        assert plan.clips and f"source URL: {url}" in lines
        fetched = server.gets.count("/talk.mp4")
        result = render_shorts(url, request, plan.clips[:1], transcript_path=plan.transcript_path)
        assert server.gets.count("/talk.mp4") == fetched  # rendering reused the download
        [clip] = result.clips
        assert Path(clip.video_path).is_file() and Path(clip.video_path).stat().st_size > 0
    finally:
        server.close()
