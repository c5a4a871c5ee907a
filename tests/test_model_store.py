"""The model manager: packaged models, base assembly, and hub downloads against a local HTTP server."""

from __future__ import annotations

import hashlib
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from media_core import model_store
from media_core.errors import ModelDownloadError, ModelMissingError
from media_core.paths import models_dir
from tests.assets import BASE_MODEL_SIZE


class FakeHub:
    """Serves ``{url path: bytes}`` like the hub: HEAD with X-Linked-Size/Etag, GET with Range."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.etags: dict[str, str] = {}
        self.drop_once: set[str] = set()  # paths whose first full GET is cut off half-way
        self.requests: list[tuple[str, str, str | None]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _headers(self, body: bytes, status: int = 200, extra: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()

            def _lookup(self):
                body = hub.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                return body

            def do_HEAD(self):
                hub.requests.append(("HEAD", self.path, None))
                body = self._lookup()
                if body is not None:
                    extra = {"X-Linked-Size": str(len(body))}
                    if self.path in hub.etags:
                        extra["X-Linked-Etag"] = f'"{hub.etags[self.path]}"'
                    self._headers(body, extra=extra)

            def do_GET(self):
                rng = self.headers.get("Range")
                hub.requests.append(("GET", self.path, rng))
                body = self._lookup()
                if body is None:
                    return
                if rng:
                    start = int(rng.removeprefix("bytes=").split("-")[0])
                    part = body[start:]
                    self._headers(part, 206, {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"})
                    self.wfile.write(part)
                    return
                self._headers(body)
                if self.path in hub.drop_once:
                    hub.drop_once.discard(self.path)
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add_model(self, name: str, *, weights: bytes, etag: str | None = None) -> dict[str, bytes]:
        files = {"config.json": b'{"alignment_heads": [], "lang_ids": []}', "model.bin": weights,
                 "tokenizer.json": b'{"model": {}}', "vocabulary.txt": b"a\nb\n"}
        for fname, data in files.items():
            self.files[f"/Systran/faster-whisper-{name}/resolve/main/{fname}"] = data
        self.etags[f"/Systran/faster-whisper-{name}/resolve/main/model.bin"] = \
            etag or hashlib.sha256(weights).hexdigest()
        return files

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    server = FakeHub()
    yield server
    server.close()


def test_packaged_tiny_en_and_user_path(tiny_en_model, tmp_path):
    path = model_store.resolve_model("tiny.en")
    assert model_store.is_model_dir(path) and path.samefile(tiny_en_model)
    assert model_store.resolve_model(str(tiny_en_model)) == tiny_en_model
    listed = {m.name: m for m in model_store.list_models()}
    assert listed["tiny.en"].installed and listed["small"].installed is False
    with pytest.raises(ModelMissingError, match="not a faster-whisper model folder"):
        model_store.resolve_model(str(tmp_path))


def test_base_is_assembled_once_from_packages():
    fractions: list[float] = []
    path = model_store.resolve_model("base", progress=lambda f, s="": fractions.append(f))
    assert path == models_dir() / "base"
    assert (path / "model.bin").stat().st_size == BASE_MODEL_SIZE
    assert fractions and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert not [p for p in models_dir().iterdir() if p.name.startswith(".assemble")]
    mtime = (path / "model.bin").stat().st_mtime_ns
    assert model_store.resolve_model("base") == path and (path / "model.bin").stat().st_mtime_ns == mtime
    listed = {m.name: m for m in model_store.list_models()}
    assert listed["base"].source == "data dir"


def test_download_reports_progress_and_resumes(hub):
    weights = os.urandom(3_000_000)
    files = hub.add_model("fake-small", weights=weights)
    hub.drop_once.add("/Systran/faster-whisper-fake-small/resolve/main/model.bin")
    fractions: list[float] = []
    path = model_store.resolve_model("fake-small", endpoint=hub.url, offline=False,
                                     progress=lambda f, s="": fractions.append(f))
    assert path == models_dir() / "fake-small"
    for fname, data in files.items():
        assert (path / fname).read_bytes() == data
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) > 2
    ranged = [r for r in hub.requests if r[0] == "GET" and r[2]]
    # The retry asked only for the missing tail of the cut-off model.bin.
    assert ranged and ranged[0][1].endswith("model.bin")
    assert 0 < int(ranged[0][2].removeprefix("bytes=").rstrip("-")) <= len(weights) // 2
    assert not [p for p in models_dir().iterdir() if p.name.startswith((".partial-fake", ".install-fake"))]
    assert model_store.delete_model("fake-small") and not path.exists()


def test_checksum_mismatch_installs_nothing(hub):
    hub.add_model("fake-bad", weights=os.urandom(500_000), etag="0" * 64)
    with pytest.raises(ModelDownloadError, match="checksum"):
        model_store.resolve_model("fake-bad", endpoint=hub.url, offline=False)
    assert not (models_dir() / "fake-bad").exists()
    assert not (models_dir() / ".partial-fake-bad" / "model.bin.part").exists()


def test_unknown_model_and_offline_mode(hub, monkeypatch):
    with pytest.raises(ModelMissingError, match="no model called"):
        model_store.resolve_model("does-not-exist", endpoint=hub.url, offline=False)
    with pytest.raises(ModelMissingError, match="offline mode is on"):
        model_store.resolve_model("small", offline=True)
    monkeypatch.setenv("REFRAME_OFFLINE", "1")
    with pytest.raises(ModelMissingError, match="offline mode is on"):
        model_store.resolve_model("medium", endpoint=hub.url)
    assert not [r for r in hub.requests if "medium" in r[1]]


def test_ggml_model_download(hub):
    data = b"lmgg" + os.urandom(200_000)
    hub.files["/ggerganov/whisper.cpp/resolve/main/ggml-fake.bin"] = data
    hub.etags["/ggerganov/whisper.cpp/resolve/main/ggml-fake.bin"] = hashlib.sha256(data).hexdigest()
    path = model_store.resolve_ggml_model("fake", endpoint=hub.url, offline=False)
    assert path == models_dir() / "ggml-fake.bin" and path.read_bytes() == data
    assert any(m.kind == "ggml" and m.name == "fake" for m in model_store.list_models())
    assert model_store.delete_model("fake") and not path.exists()
