"""The Settings dialog: every page round-trips, offline mode is enforced, the model and
translation-package managers work for real (downloads from a local mirror with progress
and cancel, install from a file, delete), and the HTTP API starts and stops in-process."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from PySide6.QtWidgets import QMessageBox

from tests.gui_helpers import FileServer, click_in_modal, make_window, set_engine_settings

pytestmark = pytest.mark.gui


def _open(qtbot, w):
    dialog = w.open_settings()
    qtbot.waitUntil(lambda: dialog.models_loaded and dialog.argos_loaded, timeout=20_000)
    return dialog


def _yes(box):
    return box.button(QMessageBox.Yes)


def test_settings_dialog_round_trips_every_page(qtbot, tmp_path, monkeypatch):
    from media_core.settings import engine_settings, load_engine_settings
    from reframe_desktop.settings import load_settings

    # A key from the environment is used by the engine but never written to the file.
    monkeypatch.setenv("REFRAME_TRANSLATE_API_KEY", "from-the-environment")
    w = make_window(qtbot, theme="light")
    d = _open(qtbot, w)
    assert d.cloud_key.text() == ""
    d.output.set_path(str(tmp_path / "out"))
    d.theme.setCurrentIndex(d.theme.findData("dark"))
    d.language.setCurrentIndex(d.language.findData("en"))
    d.threads.setValue(1)
    d.offline.setChecked(True)
    d.heavy_jobs.setValue(2)
    d.retention.setValue(7)
    d.cloud_url.setText("https://api.example.org/v1")
    d.cloud_model.setText("gpt-test")
    d.cloud_key.setText("sk-typed")
    d.llm_url.setText("http://localhost:11434/v1")
    d.llm_model.setText("llama3.1")
    d.default_model.setCurrentIndex(d.default_model.findData("tiny.en"))
    d.accept()

    engine = load_engine_settings(environment=False)
    assert (engine.threads, engine.offline, engine.heavy_jobs, engine.retention_days) == (1, True, 2, 7)
    assert engine.cloud_translation.base_url == "https://api.example.org/v1"
    assert engine.cloud_translation.api_key == "sk-typed" and engine.cloud_translation.model == "gpt-test"
    assert engine.shorts_llm.base_url == "http://localhost:11434/v1" and engine.shorts_llm.model == "llama3.1"
    # Saved settings are live for the engine at once (the environment still wins over the file).
    assert engine_settings().offline is True and engine_settings().threads == 1
    assert engine_settings().cloud_translation.api_key == "from-the-environment"
    app = load_settings()
    assert app.theme == "dark" and app.ui_language == "en" and app.output_folder == str(tmp_path / "out")
    qtbot.waitUntil(lambda: w.settings.theme == "dark")
    assert w.theme_actions["dark"].isChecked()
    assert w.tabs_by_name["captions"].output_dir() == str(tmp_path / "out")

    # Reopened, the dialog shows what was saved.
    d2 = _open(qtbot, w)
    assert d2.threads.value() == 1 and d2.offline.isChecked() and d2.heavy_jobs.value() == 2
    assert d2.retention.value() == 7 and d2.cloud_key.text() == "sk-typed"
    assert d2.output.path() == str(tmp_path / "out") and d2.theme.currentData() == "dark"
    d2.reject()
    set_engine_settings()


def test_engine_page_shows_the_ffmpeg_in_use(qtbot, tmp_path):
    from media_core.ffmpeg import ffmpeg_exe

    w = make_window(qtbot)
    d = _open(qtbot, w)
    qtbot.waitUntil(lambda: "version" in d.ffmpeg_info.text(), timeout=30_000)
    assert ffmpeg_exe() in d.ffmpeg_info.text() and "libass: yes" in d.ffmpeg_info.text()
    d.ffmpeg.set_path(str(tmp_path / "no-ffmpeg-here"))
    qtbot.waitUntil(lambda: "not found" in d.ffmpeg_info.text(), timeout=120_000)
    d.reject()


def _hub_files(name: str) -> dict[str, bytes]:
    """A faster-whisper model as the hub serves it. Only tiny.en's weights exist on this
    machine, so the mirror offers them under another model's name: what is tested is the
    download path (progress, resume, checksum, install), not the model."""
    from media_core import model_store

    folder = model_store.resolve_model("tiny.en")
    return {
        f"/Systran/faster-whisper-{name}/resolve/main/{f.name}": f.read_bytes() for f in folder.iterdir() if f.is_file()
    }


def test_models_page_downloads_with_progress_cancels_resumes_and_deletes(qtbot, monkeypatch):
    from media_core.paths import models_dir

    hub = FileServer(_hub_files("small"), delay=0.02)
    monkeypatch.setenv("REFRAME_HF_ENDPOINT", hub.url)
    try:
        w = make_window(qtbot)
        d = _open(qtbot, w)
        d.show_page("models")
        d.select_model("small")
        assert d.model_download.isEnabled() and not d.model_delete.isEnabled()
        # Offline mode (not even saved yet) switches downloads off.
        d.offline.setChecked(True)
        assert not d.model_download.isEnabled()
        d.offline.setChecked(False)
        assert d.model_download.isEnabled()

        values = []
        d.model_bar.valueChanged.connect(values.append)
        task = d.download_model()
        assert d.model_bar.isVisible() and d.model_cancel.isVisible() and not d.model_download.isEnabled()
        qtbot.waitUntil(lambda: d.model_bar.value() > 20, timeout=30_000)
        d.model_cancel.click()
        qtbot.waitUntil(lambda: task.finished, timeout=120_000)
        assert d.model_status.text() == "Download cancelled." and not d.model_bar.isVisible()
        assert not (models_dir() / "small").exists()
        assert values == sorted(values)

        hub.delay = 0.0
        task = d.download_model()
        qtbot.waitUntil(lambda: task.finished, timeout=120_000)
        assert "small is ready" in d.model_status.text(), d.model_status.text()
        assert any(method == "GET" and rng for method, _, rng in hub.requests), "the download did not resume"
        qtbot.waitUntil(lambda: _status(d, "small") == "installed", timeout=120_000)
        assert (models_dir() / "small" / "model.bin").is_file()
        assert d.default_model.findData("small") >= 0

        d.select_model("small")
        assert d.model_delete.isEnabled()
        click_in_modal(qtbot, _yes)
        d.model_delete.click()
        qtbot.waitUntil(lambda: _status(d, "small") == "not downloaded", timeout=120_000)
        assert not (models_dir() / "small").exists()
        d.reject()
    finally:
        hub.close()


def _status(d, name: str) -> str:
    for i in range(d.models.topLevelItemCount()):
        item = d.models.topLevelItem(i)
        if item.data(0, 256) == name:
            return item.text(1)
    return ""


@pytest.fixture(scope="module")
def argos_packages(tmp_path_factory) -> dict[str, Path]:
    # A real (tiny) CTranslate2 + SentencePiece package, built the way the Argos tests build it.
    from tests.test_translation_argos import _build_model, _package

    root = tmp_path_factory.mktemp("gui-argos")
    out = {}
    for seed, (src, tgt) in enumerate((("en", "es"), ("en", "fr"))):
        model = root / f"model-{src}-{tgt}"
        _build_model(model, seed)
        out[f"{src}_{tgt}"] = _package(root, src, tgt, model)
    return out


def test_translation_page_installs_downloads_and_removes_packages(qtbot, monkeypatch, argos_packages):
    import json

    from media_core.translation import argos

    for pkg in argos.list_installed():
        argos.remove_package(*pkg.pair)
    fr = argos_packages["en_fr"].read_bytes()
    server = FileServer({"/en_fr.argosmodel": fr})
    server.files["/index.json"] = json.dumps(
        [
            {
                "type": "translate",
                "from_code": "en",
                "to_code": "fr",
                "from_name": "English",
                "to_name": "French",
                "package_version": "1.0",
                "argos_version": "1.0",
                "size": len(fr),
                "links": [server.url + "/en_fr.argosmodel"],
            }
        ]
    ).encode()
    monkeypatch.setenv("REFRAME_ARGOS_INDEX", server.url + "/index.json")
    try:
        w = make_window(qtbot)
        d = _open(qtbot, w)
        d.show_page("translation")
        assert d.argos_items() == []
        # Install from a .argosmodel file.
        task = d.install_argos_file(str(argos_packages["en_es"]))
        qtbot.waitUntil(lambda: task.finished, timeout=30_000)
        qtbot.waitUntil(lambda: (("en", "es"), "installed") in d.argos_items(), timeout=120_000)
        assert argos.find_installed("en", "es") is not None
        # The index lists what can be downloaded; offline mode switches that off.
        d.offline.setChecked(True)
        assert not d.argos_refresh.isEnabled()
        d.offline.setChecked(False)
        d.argos_refresh.click()
        qtbot.waitUntil(lambda: (("en", "fr"), "available") in d.argos_items(), timeout=20_000)
        assert d.select_argos("en", "fr") and d.argos_download.isEnabled() and not d.argos_remove.isEnabled()
        values = []
        d.argos_bar.valueChanged.connect(values.append)
        task = d.download_argos()
        qtbot.waitUntil(lambda: task.finished, timeout=60_000)
        qtbot.waitUntil(lambda: (("en", "fr"), "installed") in d.argos_items(), timeout=120_000)
        assert values and values[-1] >= 900
        # Remove, confirmed.
        assert d.select_argos("en", "es") and d.argos_remove.isEnabled()
        click_in_modal(qtbot, _yes)
        d.argos_remove.click()
        qtbot.waitUntil(lambda: (("en", "es"), "installed") not in d.argos_items(), timeout=120_000)
        assert argos.find_installed("en", "es") is None
        # Every engine says what it can do here: Argos now has the French package.
        qtbot.waitUntil(
            lambda: "Argos" in d.backend_status.text() and "1 package(s) installed" in d.backend_status.text(),
            timeout=20_000,
        )
        assert "Apertium" in d.backend_status.text() and "Cloud" in d.backend_status.text()
        d.reject()
    finally:
        server.close()
        for pkg in argos.list_installed():
            argos.remove_package(*pkg.pair)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_api_starts_and_stops_in_the_app(qtbot):
    w = make_window(qtbot)
    jobs = w.tabs_by_name["jobs"]
    w.tabs.setCurrentWidget(jobs)
    d = _open(qtbot, w)
    d.show_page("api")
    port = _free_port()
    d.api_enabled.setChecked(True)
    d.api_port.setValue(port)
    # LAN access needs a token: one is made as soon as it is asked for.
    d.api_lan.setChecked(True)
    assert d.api_token.text()
    d.api_lan.setChecked(False)
    token = d.api_token.text()
    with qtbot.waitSignal(w.apiStatusChanged, timeout=30_000) as started:
        d.accept()
    assert started.args == [f"http://127.0.0.1:{port}"], w.api_error
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"http://127.0.0.1:{port}/jobs", timeout=10).status_code == 401
    # A job sent over HTTP runs on the window's job manager and shows in the Jobs tab.
    resp = httpx.post(
        f"http://127.0.0.1:{port}/jobs",
        headers=headers,
        timeout=10,
        json={
            "type": "ffmpeg_transcode",
            "params": {
                "input": "testsrc=duration=1:size=160x120:rate=10",
                "lavfi": True,
                "args": ["-c:v", "libx264", "-preset", "ultrafast"],
            },
        },
    )
    assert resp.status_code == 201, resp.text
    job_id = resp.json()["id"]
    qtbot.waitUntil(lambda: any(j.id == job_id for j in jobs.model.jobs), timeout=120_000)
    qtbot.waitUntil(lambda: w.client.get(job_id).status == "succeeded", timeout=60_000)

    d = _open(qtbot, w)
    d.show_page("api")
    assert d.api_status.text() == f"Running at http://127.0.0.1:{port}"
    d.api_enabled.setChecked(False)
    with qtbot.waitSignal(w.apiStatusChanged, timeout=30_000) as stopped:
        d.accept()
    assert stopped.args == [""]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
    set_engine_settings()
