"""The Settings dialog: every page round-trips, offline mode is enforced, the model and
translation-package managers work for real (downloads from a local mirror with progress
and cancel, install from a file, delete), and the HTTP API starts and stops in-process."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from tests.gui_helpers import FileServer, click_in_modal, make_window, set_engine_settings
from tests.test_api import make_clip

pytestmark = pytest.mark.gui


def _open(qtbot, w):
    dialog = w.open_settings()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=120_000)
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
    general, engine_page, jobs, cloud, llm = (
        d.page("general"),
        d.page("engine"),
        d.page("jobs"),
        d.page("translation").cloud,
        d.page("shorts").llm,
    )
    assert cloud.key.text() == ""
    general.output.set_path(str(tmp_path / "out"))
    general.theme.setCurrentIndex(general.theme.findData("dark"))
    general.language.setCurrentIndex(general.language.findData("en"))
    engine_page.threads.setValue(1)
    engine_page.offline.setChecked(True)
    jobs.heavy_jobs.setValue(2)
    jobs.retention.setValue(7)
    cloud.url.setText("https://api.example.org/v1")
    cloud.model.setText("gpt-test")
    cloud.key.setText("sk-typed")
    llm.url.setText("http://localhost:11434/v1")
    llm.model.setText("llama3.1")
    default_model = d.page("models").default_model
    default_model.setCurrentIndex(default_model.findData("tiny.en"))
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
    engine_page, jobs, general = d2.page("engine"), d2.page("jobs"), d2.page("general")
    assert engine_page.threads.value() == 1 and engine_page.offline.isChecked() and jobs.heavy_jobs.value() == 2
    assert jobs.retention.value() == 7 and d2.page("translation").cloud.key.text() == "sk-typed"
    assert general.output.path() == str(tmp_path / "out") and general.theme.currentData() == "dark"
    d2.reject()
    set_engine_settings()


def test_engine_page_shows_the_ffmpeg_in_use(qtbot, tmp_path):
    from media_core.ffmpeg import ffmpeg_exe

    w = make_window(qtbot)
    d = _open(qtbot, w)
    page = d.page("engine")
    qtbot.waitUntil(lambda: "version" in page.ffmpeg_info.text(), timeout=120_000)
    assert ffmpeg_exe() in page.ffmpeg_info.text() and "libass: yes" in page.ffmpeg_info.text()
    page.ffmpeg.set_path(str(tmp_path / "no-ffmpeg-here"))
    qtbot.waitUntil(lambda: "not found" in page.ffmpeg_info.text(), timeout=120_000)
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
        m, offline = d.page("models").manager, d.page("engine").offline
        m.select("small")
        assert m.download_btn.isEnabled() and not m.delete_btn.isEnabled()
        # Offline mode (not even saved yet) switches downloads off.
        offline.setChecked(True)
        assert not m.download_btn.isEnabled()
        offline.setChecked(False)
        assert m.download_btn.isEnabled()

        values = []
        m.bar.valueChanged.connect(values.append)
        task = m.download()
        assert m.bar.isVisible() and m.cancel_btn.isVisible() and not m.download_btn.isEnabled()
        qtbot.waitUntil(lambda: m.bar.value() > 20, timeout=120_000)
        m.cancel_btn.click()
        qtbot.waitUntil(lambda: task.finished, timeout=120_000)
        assert m.status.text() == "Download cancelled." and not m.bar.isVisible()
        assert not (models_dir() / "small").exists()
        assert values == sorted(values)

        hub.delay = 0.0
        task = m.download()
        qtbot.waitUntil(lambda: task.finished, timeout=120_000)
        assert "small is ready" in m.status.text(), m.status.text()
        assert any(method == "GET" and rng for method, _, rng in hub.requests), "the download did not resume"
        qtbot.waitUntil(lambda: m.status_of("small") == "installed", timeout=120_000)
        assert (models_dir() / "small" / "model.bin").is_file()
        assert d.page("models").default_model.findData("small") >= 0

        m.select("small")
        assert m.delete_btn.isEnabled()
        click_in_modal(qtbot, _yes)
        m.delete_btn.click()
        qtbot.waitUntil(lambda: m.status_of("small") == "not downloaded", timeout=120_000)
        assert not (models_dir() / "small").exists()
        d.reject()
    finally:
        hub.close()


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
        a, offline = d.page("translation").argos, d.page("engine").offline
        assert a.items() == []
        # Install from a .argosmodel file.
        task = a.install_file(str(argos_packages["en_es"]))
        qtbot.waitUntil(lambda: task.finished, timeout=120_000)
        qtbot.waitUntil(lambda: (("en", "es"), "installed") in a.items(), timeout=120_000)
        assert argos.find_installed("en", "es") is not None
        # The index lists what can be downloaded; offline mode switches that off.
        offline.setChecked(True)
        assert not a.refresh_btn.isEnabled()
        offline.setChecked(False)
        a.refresh_btn.click()
        qtbot.waitUntil(lambda: (("en", "fr"), "available") in a.items(), timeout=120_000)
        assert a.select("en", "fr") and a.download_btn.isEnabled() and not a.remove_btn.isEnabled()
        values = []
        a.bar.valueChanged.connect(values.append)
        task = a.download()
        qtbot.waitUntil(lambda: task.finished, timeout=60_000)
        qtbot.waitUntil(lambda: (("en", "fr"), "installed") in a.items(), timeout=120_000)
        assert values and values[-1] >= 900
        # Remove, confirmed.
        assert a.select("en", "es") and a.remove_btn.isEnabled()
        click_in_modal(qtbot, _yes)
        a.remove_btn.click()
        qtbot.waitUntil(lambda: (("en", "es"), "installed") not in a.items(), timeout=120_000)
        assert argos.find_installed("en", "es") is None
        # Every engine says what it can do here: Argos now has the French package.
        qtbot.waitUntil(
            lambda: "Argos" in a.backend_status.text() and "1 package(s) installed" in a.backend_status.text(),
            timeout=120_000,
        )
        assert "Apertium" in a.backend_status.text() and "Cloud" in a.backend_status.text()
        d.reject()
    finally:
        server.close()
        for pkg in argos.list_installed():
            argos.remove_package(*pkg.pair)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_api_starts_and_stops_in_the_app(qtbot, tmp_path):
    w = make_window(qtbot)
    jobs = w.tabs_by_name["jobs"]
    w.tabs.setCurrentWidget(jobs)
    d = _open(qtbot, w)
    d.show_page("api")
    api = d.page("api")
    port = _free_port()
    api.enabled.setChecked(True)
    api.port.setValue(port)
    # The token is always there: shown masked, copied, regenerated on request.
    token = api.token.token()
    assert len(token) >= 32 and api.token.field.echoMode() == QLineEdit.EchoMode.Password
    api.token.copy()
    assert QApplication.clipboard().text() == token
    with qtbot.waitSignal(w.api_host.statusChanged, timeout=120_000) as started:
        d.accept()
    assert started.args == [f"http://127.0.0.1:{port}"], w.api_host.error
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"http://127.0.0.1:{port}/jobs", timeout=10).status_code == 401
    assert httpx.get(f"http://127.0.0.1:{port}/jobs", headers=headers, timeout=10).status_code == 200
    # A job sent over HTTP runs on the window's job manager and shows in the Jobs tab.
    clip = make_clip(tmp_path / "clip.mp4", 1)
    uploaded = httpx.post(
        f"http://127.0.0.1:{port}/files", headers=headers, files={"file": ("clip.mp4", clip)}, timeout=10
    ).json()["path"]
    resp = httpx.post(
        f"http://127.0.0.1:{port}/jobs",
        headers=headers,
        timeout=10,
        json={
            "type": "ffmpeg_transcode",
            "params": {"input": uploaded, "args": ["-c:v", "libx264", "-preset", "ultrafast"]},
        },
    )
    assert resp.status_code == 201, resp.text
    job_id = resp.json()["id"]
    qtbot.waitUntil(lambda: any(j.id == job_id for j in jobs.model.jobs), timeout=120_000)
    qtbot.waitUntil(lambda: w.client.get(job_id).status == "succeeded", timeout=60_000)

    d = _open(qtbot, w)
    d.show_page("api")
    api = d.page("api")
    assert api.status.text() == f"Running at http://127.0.0.1:{port}"
    # Regenerate: the running server refuses the old token from the next request on.
    fresh = api.token.regenerate()
    assert fresh != token and api.token.token() == fresh
    assert httpx.get(f"http://127.0.0.1:{port}/jobs", headers=headers, timeout=10).status_code == 401
    fresh_headers = {"Authorization": f"Bearer {fresh}"}
    assert httpx.get(f"http://127.0.0.1:{port}/jobs", headers=fresh_headers, timeout=10).status_code == 200
    api.enabled.setChecked(False)
    with qtbot.waitSignal(w.api_host.statusChanged, timeout=120_000) as stopped:
        d.accept()
    assert stopped.args == [""]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
    set_engine_settings()
