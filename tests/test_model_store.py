"""The model manager: packaged models, base assembly, and hub downloads against a local HTTP server."""

from __future__ import annotations

import hashlib
import os

import pytest

from media_core import model_store
from media_core.errors import ModelDownloadError, ModelMissingError
from media_core.paths import models_dir
from tests.assets import BASE_MODEL_SIZE
from tests.local_http import FileServer


class FakeHub(FileServer):
    """The hub's URL layout for faster-whisper models."""

    def add_model(self, name: str, *, weights: bytes, etag: str | None = None) -> dict[str, bytes]:
        files = {
            "config.json": b'{"alignment_heads": [], "lang_ids": []}',
            "model.bin": weights,
            "tokenizer.json": b'{"model": {}}',
            "vocabulary.txt": b"a\nb\n",
        }
        for fname, data in files.items():
            self.files[f"/Systran/faster-whisper-{name}/resolve/main/{fname}"] = data
        self.etags[f"/Systran/faster-whisper-{name}/resolve/main/model.bin"] = (
            etag or hashlib.sha256(weights).hexdigest()
        )
        return files


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
    path = model_store.resolve_model(
        "fake-small", endpoint=hub.url, offline=False, progress=lambda f, s="": fractions.append(f)
    )
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
