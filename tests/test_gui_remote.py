"""The desktop (offscreen) with Settings → Remote pointed at a real `reframe serve` child:
Test connection, save, then a heavy job submitted in the window runs on the server, shows
the "remote" badge in the Jobs tab, and its output arrives in the local outputs folder."""

from __future__ import annotations

import stat

import pytest

from media_core.paths import outputs_dir
from media_core.probe import probe
from tests.gui_helpers import make_window
from tests.test_remote import TOKEN, Server

pytestmark = pytest.mark.gui


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "server").start()
    yield srv
    srv.stop()


def test_settings_remote_page_sends_heavy_jobs_to_the_server(qtbot, server, jfk_wav):
    from media_core.remote.token import token_path
    from media_core.settings import load_engine_settings

    w = make_window(qtbot)
    jobs = w.tabs_by_name["jobs"]
    w.tabs.setCurrentWidget(jobs)
    d = w.open_settings()
    qtbot.waitUntil(lambda: d.loaded, timeout=20_000)
    d.show_page("remote")
    page = d.page("remote")
    assert not page.url.isEnabled()  # "this computer" until the user picks a server
    page.server.setChecked(True)
    page.url.setText(server.url)
    page.token.setText("w" * 43)
    page.test_connection()
    qtbot.waitUntil(lambda: page.test_button.isEnabled(), timeout=30_000)
    assert "refused the token" in page.result.text()
    page.token.setText(TOKEN)
    page.test_connection()
    qtbot.waitUntil(lambda: page.result.text().startswith("Connected"), timeout=30_000)
    d.accept()
    remote = load_engine_settings(environment=False).remote
    assert remote.run_on == "server" and remote.url == server.url
    assert token_path().read_text().strip() == TOKEN
    assert stat.S_IMODE(token_path().stat().st_mode) == 0o600
    assert TOKEN not in (token_path().parent / "engine.json").read_text()

    out = outputs_dir() / "gui remote" / "jfk.flac"
    job_id = w.client.submit("ffmpeg_transcode", {"input": str(jfk_wav), "output": str(out), "args": ["-c:a", "flac"]})
    qtbot.waitUntil(lambda: any(j.id == job_id for j in jobs.model.jobs), timeout=10_000)
    row = next(i for i, j in enumerate(jobs.model.jobs) if j.id == job_id)
    assert "[remote]" in jobs.model.data(jobs.model.index(row, 0))
    qtbot.waitUntil(lambda: w.client.get(job_id).is_finished, timeout=120_000)
    job = w.client.get(job_id)
    assert job.status == "succeeded", w.client.job_log(job_id)
    assert job.remote_url == server.url and job.remote_id
    assert probe(out).duration == pytest.approx(probe(jfk_wav).duration, abs=0.05)


def test_only_heavy_jobs_that_the_api_takes_go_to_the_server():
    from media_core.remote.routing import remote_url_for
    from media_core.settings import EngineSettings, RemoteSettings

    on = EngineSettings(remote=RemoteSettings(run_on="server", url="https://gpu.lan:8443/"))
    assert remote_url_for("captions", heavy=True, settings=on) == "https://gpu.lan:8443"
    assert remote_url_for("translate_subtitles", heavy=False, settings=on) is None
    assert remote_url_for("shorts_rerender", heavy=True, settings=on) is None  # rewrites a local manifest
    assert remote_url_for("captions", heavy=True, settings=EngineSettings()) is None
