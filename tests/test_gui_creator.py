"""Issue 19 in the desktop: a link as input (Captions, Shorts), several target languages
(Captions, Utilities → Translate subtitles), per-clip caption styles in the Shorts tab, the
first-run quick-start card and Help → Copy debug info.

Fast single-tab tests run on the fake job client (tests/gui_fakes.py); the others run real
jobs in a real window: a captions job from a link served on 127.0.0.1, a three-language
Apertium translation, a batch of per-clip re-renders, and the quick-start sample run."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from tests.gui_fakes import FakeJobClient
from tests.gui_helpers import make_window, wait_job

pytestmark = pytest.mark.gui

SRT = """1
00:00:00,500 --> 00:00:03,000
The house is big.

2
00:00:03,500 --> 00:00:06,000
We have a new car.
"""


@pytest.fixture
def client(qtbot):
    return FakeJobClient()


@pytest.fixture
def settings(tmp_path):
    from reframe_desktop.settings import AppSettings

    return AppSettings(output_folder=str(tmp_path / "out"))


def drop_link(widget, url: str) -> QDropEvent:
    """A link dragged from a browser: a non-local URL plus its text."""
    from PySide6.QtGui import QDragEnterEvent

    mime = QMimeData()
    mime.setUrls([QUrl(url)])
    mime.setText(url)
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the field refused a link"
    event = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, event)
    return event


# -- a link as input ------------------------------------------------------------------------------


def test_captions_tab_takes_a_pasted_or_dropped_link(qtbot, client, settings):
    from reframe_desktop.tabs.captions import CaptionsTab

    tab = CaptionsTab(client, settings)
    qtbot.addWidget(tab)
    tab.input.set_path("old text")
    drop_link(tab.input.edit, "https://www.youtube.com/watch?v=abc123")
    assert tab.input.path() == "https://www.youtube.com/watch?v=abc123", "a drop replaces the field"
    used = []
    tab.fileUsed.connect(used.append)
    job_id = tab.submit()
    assert job_id and client.last() == ("captions", client.last()[1])
    assert client.last()[1]["input"] == "https://www.youtube.com/watch?v=abc123"
    assert used == [], "a link is not a recent file"
    # The download stage shows on the job's row; a failed download shows under the field.
    client.start(job_id, 0.1, "downloading")
    assert tab.recent.rows[job_id].stage.text() == "downloading"
    client.jobs[job_id] = client.jobs[job_id].model_copy(update={"error_code": "url_download_failed"})
    client.finish(job_id, status="failed", error="This link is a web page, not a video.")
    under = tab.errors.label("input")
    assert under.text() == "This link is a web page, not a video." and not under.isHidden()
    # Only http(s) links; a missing file is still a missing file.
    tab.input.set_path("ftp://host/talk.mp4")
    assert tab.submit() is None and "http" in under.text()
    tab.input.edit.clear()
    QApplication.clipboard().setText("http://127.0.0.1:9/talk.mp4")
    tab.input.edit.paste()
    assert tab.submit() and client.last()[1]["input"] == "http://127.0.0.1:9/talk.mp4"


def test_shorts_tab_submits_a_link(qtbot, client, settings):
    from reframe_desktop.tabs.shorts import ShortsTab

    tab = ShortsTab(client, settings)
    qtbot.addWidget(tab)
    assert tab.submit() is None and tab.errors.label("input").text()
    drop_link(tab.input, "https://vimeo.com/123456")
    assert tab.submit()
    job_type, params = client.last()
    assert (job_type, params["input"]) == ("shorts", "https://vimeo.com/123456")
    client.start(tab.job_id, 0.05, "downloading")
    assert tab.stage.text() == "downloading"


def test_captions_from_a_link_end_to_end(qtbot, speech_video, tiny_en_model, tmp_path, monkeypatch):
    from tests.test_url_source import VideoSite

    monkeypatch.setenv("REFRAME_DATA_DIR", str(tmp_path / "data"))  # a fresh download cache
    site = VideoSite(speech_video.read_bytes())
    try:
        w = make_window(qtbot, threads=1, output_folder=str(tmp_path / "out"))
        tab = w.tabs_by_name["captions"]
        tab.input.set_path(f"{site.url}/talk.mp4")
        tab.model.setCurrentIndex(max(0, tab.model.findData("tiny.en")))
        stages: set[str] = set()
        w.client.progress.connect(lambda jid, f, stage: stages.add(stage))
        job_id = tab.submit()
        assert job_id, tab.error.text()
        job = wait_job(qtbot, w, job_id, timeout=300_000)
        assert "downloading" in stages and "downloading: downloading" not in stages, stages
        srt = next(a.path for a in job.assets if a.kind == "srt")
        assert "country" in Path(srt).read_text(encoding="utf-8").lower()
        assert f"{site.url}/talk.mp4" in w.client.job_log(job_id)
        # The transcript is shown over the downloaded copy of the video.
        qtbot.waitUntil(lambda: tab.transcript.count() > 0, timeout=10_000)
        assert Path(tab.player.source).is_file() and "downloads" in Path(tab.player.source).parts
        # An HTML page instead of a video: one clear line under the field.
        tab.input.set_path(f"{site.url}/page.html")
        bad = tab.submit()
        wait_job(qtbot, w, bad, states=("failed",), timeout=120_000)
        under = tab.errors.label("input")
        qtbot.waitUntil(lambda: not under.isHidden() and bool(under.text()), timeout=5_000)
        assert "\n" not in under.text() and "Traceback" not in under.text()
    finally:
        site.close()


# -- several target languages ------------------------------------------------------------------------


def test_captions_tab_submits_several_target_languages(qtbot, client, settings, tmp_path):
    from reframe_desktop.tabs.captions import CaptionsTab

    tab = CaptionsTab(client, settings)
    qtbot.addWidget(tab)
    assert tab.translate_to.text() == "No translation"
    for code in ("es", "fr", "de"):
        tab.translate_to.actions_by_code[code].trigger()
    assert tab.translate_to.text() == "Spanish, French, German"
    video = tmp_path / "talk.mp4"
    video.write_bytes(b"x")
    tab.input.set_path(str(video))
    assert tab.submit()
    assert client.last()[1]["translate_to"] == ["es", "fr", "de"]
    # Remembered between runs, also from an older single-language setting.
    again = CaptionsTab(client, settings)
    qtbot.addWidget(again)
    again.restore_options(tab.options())
    assert again.translate_to.values() == ["es", "fr", "de"]
    again.restore_options({"translate_to": "es"})
    assert again.translate_to.values() == ["es"]


def test_utilities_translates_into_three_languages_in_one_job(qtbot, tmp_path):
    w = make_window(qtbot, output_folder=str(tmp_path / "out"))
    tab = w.tabs_by_name["utilities"]
    srt = tmp_path / "lines.srt"
    srt.write_text(SRT, encoding="utf-8")
    tab.tr_input.set_path(str(srt))
    tab.tr_source.setCurrentIndex(tab.tr_source.findData("en"))
    tab.tr_engine.setCurrentIndex(tab.tr_engine.findData("apertium"))
    tab.tr_target.set_values([])
    assert tab.submit_translate() is None and tab.tr_errors.label("tgt").text()
    for code in ("es", "ca", "gl"):  # the offline Apertium pairs installed by setup.sh
        tab.tr_target.actions_by_code[code].trigger()
    assert tab.tr_target.values() == ["es", "ca", "gl"]
    job_id = tab.submit_translate()
    assert job_id, tab.tr_error.text()
    job = wait_job(qtbot, w, job_id, timeout=180_000)
    assert job.params["tgt"] == ["es", "ca", "gl"] and job.params["out_dir"] == str(tmp_path / "out")
    files = {Path(p).name: Path(p).read_text(encoding="utf-8") for p in job.outputs}
    assert set(files) == {"lines.es.srt", "lines.ca.srt", "lines.gl.srt"}
    assert "es grande" in files["lines.es.srt"].lower() and "és gran" in files["lines.ca.srt"].lower()
    assert "house" not in files["lines.gl.srt"].lower() and files["lines.gl.srt"] != files["lines.es.srt"]
    assert all(Path(p).parent == tmp_path / "out" for p in job.outputs)
    # One language: one file named by the tab, as before.
    tab.tr_target.set_values(["es"])
    single = wait_job(qtbot, w, tab.submit_translate(), timeout=120_000)
    assert single.params["tgt"] == "es" and single.params["out"].endswith(".srt")


# -- per-clip caption styles ------------------------------------------------------------------------


def test_apply_style_to_selected_clips_rerenders_only_those(qtbot, speech_video, tiny_en_model, tmp_path):
    from media_core.shorts.models import ShortsRequest
    from media_core.shorts.pipeline import get_transcript
    from tests.test_shorts_clip_styles import _render_run, clip_fingerprints, fingerprint, magenta_pixels

    request = ShortsRequest(
        min_duration=1.0,
        max_duration=30.0,
        output_height=320,
        transcription={"model": str(tiny_en_model), "language": "en", "threads": 1},
    )
    run = _render_run(speech_video, request, get_transcript(speech_video, request), tmp_path / "run")
    w = make_window(qtbot, threads=1)
    tab = w.tabs_by_name["shorts"]
    w.tabs.setCurrentWidget(tab)
    tab.load_manifest(run.manifest_path)
    assert tab.results.count() == 3
    before = {c["id"]: c for c in json.loads(Path(run.manifest_path).read_text())["clips"]}
    middle = clip_fingerprints(before["clip-02"])
    # The panel shows the selected clip's style; tweak it: magenta text, bigger, at the top.
    tab.results.setCurrentRow(0)
    assert tab.style_panel.preset.currentText() == before["clip-01"]["style"]["name"]
    tab.style_panel.text_color.set_color("#FF00FF")
    tab.style_panel.highlight_color.set_color("#FF00FF")
    tab.style_panel.size.setValue(90)
    tab.style_panel.position.setCurrentIndex(tab.style_panel.position.findData("top"))
    tab.results.item(0).setSelected(True)
    tab.results.item(2).setSelected(True)
    assert tab.style_panel.scope_hint.text() == "2 of 3 clips selected"
    qtbot.mouseClick(tab.style_panel.apply_selected_btn, Qt.LeftButton)
    jobs = [jid for jid, (kind, _cid) in tab.side_jobs.items() if kind == "rerender"]
    assert sorted(tab.side_jobs[j][1] for j in jobs) == ["clip-01", "clip-03"]
    for job_id in jobs:
        wait_job(qtbot, w, job_id, timeout=300_000)
    qtbot.waitUntil(lambda: not tab.side_jobs, timeout=10_000)
    after = {c["id"]: c for c in json.loads(Path(run.manifest_path).read_text())["clips"]}
    assert {p: fingerprint(p) for p in middle} == middle, "clip-02 was not asked for and must not change"
    for cid in ("clip-01", "clip-03"):
        style = after[cid]["style"]
        assert (style["text_color"], style["font_size"], style["position"]) == ("#FF00FF", 90.0, "top")
        assert style["name"].endswith("(edited)")
        assert magenta_pixels(after[cid]["video"]) > 50
    assert after["clip-02"]["style"] == before["clip-02"]["style"]
    # "Apply to all clips" with the same style re-renders just the one clip that differs.
    tab.results.setCurrentRow(0)
    tab.apply_style("all")
    assert [cid for _kind, cid in tab.side_jobs.values()] == ["clip-02"]
    for job_id in list(tab.side_jobs):
        wait_job(qtbot, w, job_id, timeout=300_000)
    qtbot.waitUntil(lambda: not tab.side_jobs, timeout=10_000)
    assert tab.apply_style("all") == [] and "nothing to re-render" in tab.stage.text()


# -- first run and debug info -----------------------------------------------------------------------


def test_quick_start_card_is_shown_once_and_its_sample_run_succeeds(qtbot, tiny_en_model, tmp_path):
    from reframe_desktop.settings import load_settings
    from reframe_desktop.widgets.quick_start import show_quick_start_once

    w = make_window(qtbot, threads=1, output_folder=str(tmp_path / "out"))
    assert not w.settings.quick_start_seen
    card = show_quick_start_once(w)
    # The window owns the card (its parent): no addWidget, it goes with the window.
    assert card is not None and card.isVisible()
    assert load_settings().quick_start_seen, "remembered on disk at once"
    assert show_quick_start_once(w) is None, "shown only once"
    assert str(tmp_path / "out") in card.where.text()
    # Help → Quick start shows it again.
    help_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if a.text() == "Quick start…").trigger()
    assert w.quick_start is card and card.isVisible()
    with qtbot.waitSignal(card.sampleFinished, timeout=400_000) as finished:
        qtbot.mouseClick(card.try_btn, Qt.LeftButton)
    state, video = finished.args
    assert state == "succeeded", card.status.text()
    from media_core.probe import probe

    info = probe(video)
    assert Path(video).parent == tmp_path / "out" / "Reframe sample" and info.video is not None
    srt = (tmp_path / "out" / "Reframe sample").glob("*.srt")
    assert "country" in next(srt).read_text(encoding="utf-8").lower()
    assert "Done" in card.status.text()


def _real_ffmpeg_version() -> str:
    from media_core.ffmpeg import ffmpeg_exe

    out = subprocess.run([ffmpeg_exe(), "-version"], capture_output=True, text=True, check=True).stdout
    return re.search(r"ffmpeg version (\S+)", out).group(1)


def test_copy_debug_info_has_the_real_ffmpeg_version(qtbot, tmp_path, capsys):
    from media_core.cli import main as cli_main
    from media_core.debug_info import collect_debug_info

    version = _real_ffmpeg_version()
    info = collect_debug_info()
    assert info.value("ffmpeg", "version") == version
    assert info.value("ffmpeg", "libass").startswith("yes")
    assert info.value("GPU and encoders", "libx264") == "works"
    assert info.value("Data folders", "models")
    w = make_window(qtbot)
    QApplication.clipboard().clear()
    help_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if a.text() == "Copy debug info").trigger()
    qtbot.waitUntil(lambda: version in QApplication.clipboard().text(), timeout=60_000)
    text = QApplication.clipboard().text()
    assert "## Speech models" in text and "tiny.en" in text and "## Data folders" in text
    assert cli_main(["debug-info"]) == 0
    assert f"version: {version}" in capsys.readouterr().out


def test_style_panel_submits_one_rerender_per_clip_whose_style_changes(qtbot, client, settings, tmp_path):
    from media_core.styles import DEFAULT_PRESET, get_preset
    from reframe_desktop.tabs.shorts import ShortsTab

    default = get_preset(DEFAULT_PRESET).model_dump(mode="json")
    own = {**default, "name": "Mine", "text_color": "#00FF00"}
    clips = [
        {"id": f"clip-0{n}", "rank": n, "start": 10.0 * n, "end": 10.0 * n + 8, "title": f"t{n}", "style": style}
        for n, style in ((1, default), (2, own), (3, None))  # clip-03: a run from before styles were recorded
    ]
    manifest = tmp_path / "run" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"version": 2, "input": "talk.mp4", "request": {}, "clips": clips}))
    tab = ShortsTab(client, settings)
    qtbot.addWidget(tab)
    tab.load_manifest(str(manifest))
    tab.results.setCurrentRow(1)
    assert tab.style_panel.text_color.color() == "#00FF00", "the panel shows the selected clip's own style"
    assert "Caption style: Mine" in tab.results.item(1).toolTip()
    tab.results.setCurrentRow(0)
    assert tab.style_panel.style() == default
    # Everything to the run's preset: only clip-02 differs (clip-03 has the preset by default).
    assert len(tab.apply_style("all")) == 1
    job_type, params = client.last()
    assert (job_type, params["clip_id"], params["style"]) == ("shorts_rerender", "clip-02", default)
    assert "start" not in params and "end" not in params, "a restyle keeps the clip where it is"
    assert tab.apply_style("all") == [], "a clip being re-rendered is not asked twice"
    # Selected clips only, with a tweak.
    tab.style_panel.size.setValue(50)
    for row in (0, 2):
        tab.results.item(row).setSelected(True)
    tab.results.item(1).setSelected(False)
    ids = tab.apply_style("selected")
    assert [client.jobs[j].params["clip_id"] for j in ids] == ["clip-01", "clip-03"]
    assert all(client.jobs[j].params["style"]["font_size"] == 50 for j in ids)
