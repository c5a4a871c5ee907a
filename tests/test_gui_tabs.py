"""Fast tests of single tabs and the Settings pages, on the in-tree fake job client
(tests/gui_fakes.py): no window, no models, no jobs run. What a tab submits, how it shows
a refused submit next to the fields, and how tabs hand work to each other by signal."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from media_core.errors import InvalidParameterError
from tests.gui_fakes import FakeJobClient

pytestmark = pytest.mark.gui


@pytest.fixture
def client(qtbot):
    return FakeJobClient()


@pytest.fixture
def settings(tmp_path):
    from reframe_desktop.settings import AppSettings

    return AppSettings(output_folder=str(tmp_path / "out"))


def _file(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(b"not really media: nothing runs in these tests")
    return str(path)


def _rejection(message: str, field_errors: dict[str, str]) -> InvalidParameterError:
    """The error ``client.submit`` raises for a bad field (media_core.jobs validation)."""
    exc = InvalidParameterError(message)
    exc.field_errors = field_errors  # set after construction: also works where the init lacks it
    return exc


def _shown(label) -> bool:
    return not label.isHidden() and bool(label.text())


def test_captions_tab_submits_its_fields_and_shows_the_result(qtbot, client, settings, tmp_path):
    from media_core.models import Segment, Transcript
    from reframe_desktop.tabs.captions import CaptionsTab

    tab = CaptionsTab(client, settings)
    qtbot.addWidget(tab)
    video = _file(tmp_path, "talk.mp4")
    tab.input.set_path(video)
    tab.language.setCurrentIndex(tab.language.findData("fr"))
    tab.max_lines.setValue(1)
    tab.formats["vtt"].setChecked(False)
    with qtbot.waitSignal(tab.fileUsed) as used:
        job_id = tab.submit()
    assert used.args == [video]
    job_type, params = client.last()
    assert job_type == "captions" and params["input"] == video and params["language"] == "fr"
    assert params["max_lines"] == 1 and params["formats"] == ["srt", "json"]
    assert params["output_dir"] == settings.output_folder
    assert job_id in tab.recent.rows

    transcript = tmp_path / "talk.json"
    segments = [Segment(start=0.0, end=1.5, text=" Ask not"), Segment(start=1.5, end=3.0, text=" what your country")]
    transcript.write_text(Transcript(language="en", duration=3.0, segments=segments).model_dump_json())
    srt = tmp_path / "talk.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,500\nAsk not\n", encoding="utf-8")
    client.start(job_id)
    client.finish(job_id, outputs={"json": str(transcript), "srt": str(srt)})
    qtbot.waitUntil(lambda: tab.transcript.count() == 2, timeout=120_000)
    tab.search.setText("country")
    assert [tab.transcript.item(i).isHidden() for i in range(2)] == [True, False]


def test_captions_tab_offers_rttm_only_with_speakers(qtbot, client, settings, tmp_path):
    from reframe_desktop.tabs.captions import CaptionsTab

    tab = CaptionsTab(client, settings)
    qtbot.addWidget(tab)
    tab.input.set_path(_file(tmp_path, "call.wav"))
    for fmt, box in tab.formats.items():
        box.setChecked(fmt == "rttm")
    assert not tab.formats["rttm"].isEnabled()
    # Ticked but not offered: speaker turns need "Label speakers", so nothing is chosen yet.
    assert tab.submit() is None and client.submitted == []
    assert "at least one output format" in tab.errors.label("formats").text()

    tab.diarize.enabled.setChecked(True)
    assert tab.formats["rttm"].isEnabled()
    tab.formats["srt"].setChecked(True)
    assert tab.submit()
    job_type, params = client.last()
    assert job_type == "captions"
    assert params["formats"] == ["srt", "rttm"] and params["diarize"] is True
    tab.diarize.enabled.setChecked(False)
    assert tab.options()["formats"] == ["srt"]


def test_captions_tab_shows_a_refused_submit_next_to_the_fields(qtbot, client, settings, tmp_path):
    from reframe_desktop.tabs.captions import CaptionsTab

    tab = CaptionsTab(client, settings)
    qtbot.addWidget(tab)
    # Nothing chosen: explained under the input, nothing submitted.
    assert tab.submit() is None and client.submitted == []
    assert "Choose a video or audio file" in tab.errors.label("input").text()
    tab.input.set_path(_file(tmp_path, "talk.mp4"))
    # The engine refuses two fields, one this form shows and one it does not.
    client.reject_next = _rejection(
        "Invalid settings for captions.",
        {"max_lines": "must be at most 3", "transcription.threads": "must be at least 0"},
    )
    assert tab.submit() is None
    assert not _shown(tab.errors.label("input"))
    assert _shown(tab.errors.label("max_lines")) and tab.errors.label("max_lines").text() == "must be at most 3"
    assert tab.errors.label("max_chars_per_line") is tab.errors.label("max_lines")  # one row, one message
    assert tab.error.text() == "transcription.threads: must be at least 0"
    # Without field names the whole message is shown, as before.
    client.reject_next = InvalidParameterError("The model 'huge' is not known.")
    assert tab.submit() is None
    assert tab.error.text() == "The model 'huge' is not known." and not _shown(tab.errors.label("max_lines"))
    # Fixed: the next submit clears every message.
    assert tab.submit() is not None
    assert tab.error.text() == "" and not any(_shown(label) for label in tab.errors.labels.values())


def test_styling_asks_for_captions_by_signal_and_renders_its_own_job(qtbot, client, settings, tmp_path):
    from reframe_desktop.tabs.styling import StylingTab

    tab = StylingTab(client, settings)
    qtbot.addWidget(tab)
    video = _file(tmp_path, "clip.mp4")
    tab.video.set_path(video)
    with qtbot.waitSignal(tab.captionsRequested) as asked:
        tab.generate_btn.click()
    assert asked.args == [video]
    assert client.submitted == []  # the Styling tab never fills in or submits another tab's job
    # Whoever transcribes hands the job back; its subtitles fill the field when it succeeds.
    job_id = client.submit("captions", {"input": video})
    tab.watch_captions_job(job_id)
    srt = _file(tmp_path, "clip.srt")
    client.finish(job_id, outputs={"srt": srt})
    assert tab.subtitles.path() == srt

    render_id = tab.render()
    job_type, params = client.last()
    assert render_id and job_type == "burn" and params["input"] == video and params["subs"] == srt
    assert params["style"] == tab.editor.style_dict()
    assert Path(params["out"]).parent == Path(settings.output_folder)
    client.reject_next = _rejection("Invalid settings for burn.", {"style.font_size": "must be at most 400"})
    assert tab.render() is None
    assert "style.font_size: must be at most 400" in tab.status.text()


def test_shorts_tab_submits_and_explains_refusals_per_field(qtbot, client, settings, tmp_path):
    from reframe_desktop.tabs.shorts import ShortsTab

    tab = ShortsTab(client, settings)
    qtbot.addWidget(tab)
    tab.input.set_path(_file(tmp_path, "talk.mp4"))
    tab.min_len.setValue(30)
    tab.max_len.setValue(20)
    assert tab.submit() is None and client.submitted == []
    assert "shortest length" in tab.errors.label("min_duration").text()
    assert tab.errors.label("max_duration") is tab.errors.label("min_duration")
    tab.max_len.setValue(45)
    tab.count.setValue(4)
    tab.aspect.setCurrentIndex(tab.aspect.findData("1:1"))
    job_id = tab.submit()
    job_type, params = client.last()
    assert job_id == tab.job_id and job_type == "shorts"
    assert (params["num_clips"], params["min_duration"], params["max_duration"]) == (4, 30, 45)
    assert params["aspect"] == "1:1" and params["output_root"] == settings.output_folder
    assert not _shown(tab.errors.label("min_duration"))
    client.start(job_id, 0.25, "Transcribing")
    assert tab.bar.value() == 250 and tab.stage.text() == "Transcribing"
    client.reject_next = _rejection("Invalid settings for shorts.", {"num_clips": "must be at most 20"})
    assert tab.submit() is None and tab.errors.label("num_clips").text() == "must be at most 20"


def test_jobs_tab_lists_filters_and_acts_through_the_client(qtbot, client, settings):
    from reframe_desktop.tabs.jobs import JobsTab

    tab = JobsTab(client, settings)
    qtbot.addWidget(tab)
    first = client.submit("captions", {"input": "/videos/a talk.mp4"})
    second = client.submit("burn", {"input": "/videos/clip.mp4"})
    tab.refresh()
    client.finish(first, status="failed", error="no audio")
    assert tab.model.rowCount() == 2
    tab.status_filter.setCurrentIndex(tab.status_filter.findData("failed"))
    assert tab.proxy.rowCount() == 1
    tab.status_filter.setCurrentIndex(0)
    tab.search.setText("clip.mp4")
    assert tab.proxy.rowCount() == 1
    tab.search.clear()
    tab.select_job(second)
    assert tab.buttons["cancel"].isEnabled()
    tab.cancel_selected()
    assert client.cancelled == [second] and client.get(second).status == "cancelled"
    headers = [tab.model.headerData(c, Qt.Horizontal) for c in range(tab.model.columnCount())]
    assert headers == ["Type", "Input", "Status", "Progress", "Created", "Duration"]


def test_window_routes_the_styling_captions_request_to_the_captions_tab(qtbot, client, settings, tmp_path):
    from reframe_desktop.main_window import MainWindow

    window = MainWindow(settings, client)
    qtbot.addWidget(window)
    styling, captions = window.tabs_by_name["styling"], window.tabs_by_name["captions"]
    video = _file(tmp_path, "clip.mp4")
    styling.video.set_path(video)
    styling.generate_btn.click()
    job_type, params = client.last()
    assert job_type == "captions" and params["input"] == video
    assert styling._pending_captions == list(client.jobs)[-1]
    assert window.settings.recent_files[0] == video
    # A refused request leaves the user on the Captions tab, the reason under the field.
    window.tabs.setCurrentWidget(styling)
    client.reject_next = _rejection("Invalid settings for captions.", {"model": "unknown model"})
    styling.generate_btn.click()
    assert window.tabs.currentWidget() is captions
    assert captions.errors.label("model").text() == "unknown model"


def test_settings_pages_check_before_anything_is_saved(qtbot, settings):
    from media_core.settings import load_engine_settings
    from reframe_desktop.settings.dialog import SettingsDialog

    before = load_engine_settings(environment=False)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    # The package lists load on worker threads: let them land before the dialog can be
    # destroyed, or a late signal reaches a deleted widget.
    qtbot.waitUntil(lambda: dialog.loaded, timeout=60_000)
    pages = list(dialog.pages)
    assert pages[:6] == ["general", "engine", "models", "translation", "shorts", "speakers"]
    assert {"jobs", "watch", "api", "remote"} <= set(pages) and len(pages) == len(set(pages))
    api = dialog.page("api")
    api.lan.setChecked(True)  # the API always has a token (its own 0600 file), LAN or not
    assert api.token.token() and api.check() is None
    dialog.page("shorts").llm.url.setText("localhost:11434")
    dialog.show_page("general")
    dialog.accept()
    # The first problem is shown, on its page; nothing was written.
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.stack.currentWidget() is dialog.page("shorts") and "http://" in dialog.error.text()
    assert load_engine_settings(environment=False) == before
    dialog.page("shorts").llm.url.setText("http://localhost:11434/v1")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    saved = load_engine_settings(environment=False)
    assert saved.api.allow_lan and saved != before


def test_settings_page_round_trip_on_the_draft(qtbot, settings):
    from media_core.settings import EngineSettings
    from reframe_desktop.settings.engine_page import EnginePage
    from reframe_desktop.settings.general_page import GeneralPage
    from reframe_desktop.settings.jobs_page import JobsPage
    from reframe_desktop.settings.page import SettingsDraft

    draft = SettingsDraft(settings.model_copy(update={"theme": "dark"}), EngineSettings(heavy_jobs=3, offline=True))
    pages = [GeneralPage(draft), EnginePage(draft), JobsPage(draft)]
    for page in pages:
        qtbot.addWidget(page)
        page.load()
    general, engine, jobs = pages
    assert general.theme.currentData() == "dark" and jobs.heavy_jobs.value() == 3 and engine.offline.isChecked()
    with qtbot.waitSignal(engine.offlineChanged) as changed:
        engine.offline.setChecked(False)
    assert changed.args == [False]
    general.theme.setCurrentIndex(general.theme.findData("light"))
    jobs.retention.setValue(9)
    for page in pages:
        assert page.check() is None
        page.save()
    assert draft.app.theme == "light" and draft.app.output_folder == settings.output_folder
    assert (draft.engine.offline, draft.engine.heavy_jobs, draft.engine.retention_days) == (False, 3, 9)


def test_utilities_pages_submit_and_show_refusals_per_field(qtbot, client, settings, tmp_path):
    from reframe_desktop.tabs.utilities import UtilitiesTab

    tab = UtilitiesTab(client, settings)
    qtbot.addWidget(tab)
    video = _file(tmp_path, "clip.mp4")
    tab.cut_input.set_path(video)
    tab.cut_start.setValue(2.0)
    tab.cut_end.setValue(8.0)
    tab.cut_aspect.setCurrentIndex(tab.cut_aspect.findData("9:16"))
    assert tab.submit_cut()
    job_type, plan = client.last()
    assert job_type == "render_styled" and plan["trim"] == {"start": 2.0, "end": 8.0}
    assert plan["reframe"]["aspect"] == "9:16" and plan["input"] == video
    # Nested request fields land under their own row ("trim.end" under End).
    client.reject_next = _rejection(
        "Invalid settings for render_styled.", {"trim.end": "past the end of the video", "reframe": "unsupported"}
    )
    assert tab.submit_cut() is None
    assert tab.cut_errors.label("trim.end").text() == "past the end of the video"
    assert tab.cut_errors.label("reframe.aspect").text() == "unsupported" and tab.cut_error.text() == ""
    # The translate page explains a missing file under its field, and submits its own job.
    assert tab.submit_translate() is None and "Choose a subtitle file" in tab.tr_errors.label("input").text()
    tab.tr_input.set_path(_file(tmp_path, "clip.srt"))
    tab.tr_target.set_values(["fr"])
    assert tab.submit_translate() and client.last()[1]["tgt"] == "fr"
    assert not _shown(tab.tr_errors.label("input"))


def test_clip_editor_moves_the_clip_to_the_clicked_words(qtbot, tmp_path):
    from PySide6.QtCore import QUrl

    from media_core.models import Segment, Transcript, Word
    from media_core.shorts.transcript_view import TranscriptIndex
    from reframe_desktop.widgets.clip_editor import ClipEditor

    texts = [
        "So",
        "the",
        "first",
        "idea.",
        "Then",
        "a",
        "second",
        "one",
        "here.",
        "And",
        "the",
        "last",
        "thought",
        "ends",
        "it.",
    ]
    # One word every 0.5 s, a 1 s pause after each sentence.
    words, t = [], 0.0
    for text in texts:
        words.append(Word(text=f" {text}", start=t, end=t + 0.4))
        t += 1.5 if text.endswith(".") else 0.5
    segment = Segment(start=0.0, end=words[-1].end, text=" ".join(texts), words=words)
    path = tmp_path / "transcript.json"
    path.write_text(Transcript(language="en", duration=t, segments=[segment]).model_dump_json(), encoding="utf-8")
    index = TranscriptIndex.load(path)

    editor = ClipEditor()
    qtbot.addWidget(editor)
    assert not editor.rerender_btn.isEnabled()  # no clip yet
    editor.set_index(index)
    editor.show_clip({"id": "clip1", "title": "Second", "start": words[4].start, "end": words[8].end})
    assert "Second" in editor.clip_title.text() and "changed" not in editor.clip_title.text()
    assert "second" in editor.transcript_view.toPlainText()
    # A word click sets the start (then the end), snapped into the pause beside the word.
    editor._on_transcript_click(QUrl("w:1"))
    assert editor.clip_start.value() == pytest.approx(index.start_before(1), abs=0.006)
    assert editor.set_end_btn.isChecked() and "changed" in editor.clip_title.text()
    editor._on_transcript_click(QUrl("w:11"))
    assert editor.clip_end.value() == pytest.approx(index.end_after(11), abs=0.006)
    assert editor.rerender_btn.isEnabled()
    with qtbot.waitSignal(editor.rerenderRequested):
        editor.rerender_btn.click()
    editor.set_busy(True)
    assert not editor.rerender_btn.isEnabled() and not editor.delete_btn.isEnabled()
