"""Self-update against a local HTTP server standing in for GitHub Releases."""

from __future__ import annotations

import hashlib
import http.server
import itertools
import json
import threading

import pytest

from media_core import errors, updates


@pytest.fixture
def release_server():
    payload = b"installer bytes " * 4096
    state = {"payload": payload, "sums_payload": payload, "tag": "v9.1.0"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            base = f"http://127.0.0.1:{self.server.server_port}"
            if self.path == "/latest":
                body = json.dumps(
                    {
                        "tag_name": state["tag"],
                        "body": "Faster shorts.",
                        "html_url": base + "/page",
                        "published_at": "2026-11-20T10:00:00Z",
                        "assets": [
                            {"name": "Reframe-9.1.0-arm64.AppImage", "browser_download_url": base + "/arm", "size": 1},
                            {
                                "name": "Reframe-9.1.0-x86_64.AppImage",
                                "browser_download_url": base + "/x64",
                                "size": len(state["payload"]),
                            },
                            {"name": "Reframe-9.1.0-setup.exe", "browser_download_url": base + "/exe", "size": 1},
                            {"name": "SHA256SUMS", "browser_download_url": base + "/sums", "size": 1},
                        ],
                    }
                ).encode()
            elif self.path == "/sums":
                digest = hashlib.sha256(state["sums_payload"]).hexdigest()
                body = f"{digest}  Reframe-9.1.0-x86_64.AppImage\n{'0' * 64}  Reframe-9.1.0-setup.exe\n".encode()
            elif self.path == "/x64":
                body = state["payload"]
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/latest"
    yield state
    server.shutdown()


def test_newer_release_is_found_with_the_right_installer(release_server, monkeypatch):
    monkeypatch.setattr(updates.platform, "machine", lambda: "x86_64")
    info = updates.check_for_update(current="0.1.0", url=release_server["url"], plat="linux")
    assert info is not None and info.version == "9.1.0"
    assert info.asset.name == "Reframe-9.1.0-x86_64.AppImage"
    win = updates.check_for_update(current="0.1.0", url=release_server["url"], plat="windows")
    assert win.asset.name.endswith("setup.exe")


def test_same_or_older_version_is_no_update(release_server):
    assert updates.check_for_update(current="9.1.0", url=release_server["url"], plat="linux") is None
    assert updates.check_for_update(current="10.0", url=release_server["url"], plat="linux") is None


def test_download_is_verified_and_atomic(release_server, tmp_path, monkeypatch):
    monkeypatch.setattr(updates.platform, "machine", lambda: "x86_64")
    info = updates.check_for_update(current="0.1.0", url=release_server["url"], plat="linux")
    seen = []
    path = updates.download_update(info, tmp_path, progress=lambda f, s="": seen.append(f))
    assert path.read_bytes() == release_server["payload"]
    assert seen[-1] == 1.0 and all(b >= a for a, b in itertools.pairwise(seen))

    release_server["sums_payload"] = b"something else"
    path.unlink()
    with pytest.raises(errors.ModelDownloadError, match="checksum"):
        updates.download_update(info, tmp_path)
    assert list(tmp_path.iterdir()) == [], "a damaged download must not be left behind"


def test_offline_and_unreachable(release_server):
    with pytest.raises(errors.BackendUnavailableError):
        updates.check_for_update(url=release_server["url"], offline=True)
    with pytest.raises(updates.UpdateError):
        updates.check_for_update(url="http://127.0.0.1:9/latest", timeout=2)


def test_an_interrupted_update_download_resumes_and_a_padded_one_is_refused(tmp_path):
    """The release assets come from tests/local_http.py, which can cut a connection."""
    from tests.local_http import FileServer

    payload = bytes(range(256)) * 2048
    digest = hashlib.sha256(payload).hexdigest()
    with FileServer({"/x64": payload, "/sums": f"{digest}  Reframe-9.1.0-x86_64.AppImage\n".encode()}) as server:
        server.drop_once.add("/x64")
        info = updates.UpdateInfo(
            version="9.1.0",
            tag="v9.1.0",
            asset=updates.UpdateAsset(name="Reframe-9.1.0-x86_64.AppImage", url=server.url + "/x64", size=len(payload)),
            checksums_url=server.url + "/sums",
        )
        path = updates.download_update(info, tmp_path / "ok")
        assert path.read_bytes() == payload
        ranged = [r for r in server.requests if r[1] == "/x64" and r[2]]
        assert ranged, "the second request did not resume"

        # A server sending more than the release says the asset has: stopped, nothing kept.
        server.files["/x64"] = payload + b"extra"
        with pytest.raises(errors.ModelDownloadError, match="larger than expected"):
            updates.download_update(info, tmp_path / "padded")
        assert not (tmp_path / "padded").exists() or list((tmp_path / "padded").iterdir()) == []
