"""The Captions tab with "Label speakers": a real two-caller recording, the speaker list, renaming."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import assets
from tests.gui_helpers import make_window, wait_job

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_label_speakers_list_and_rename(qtbot, monkeypatch):
    try:
        monkeypatch.setenv("REFRAME_DIARIZATION_MODELS", str(assets.diarization_models()))
        sample = assets.pyannote_sample() / "sample.wav"
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")
    w = make_window(qtbot, threads=1)
    tab = w.tabs_by_name["captions"]
    w.tabs.setCurrentWidget(tab)
    tab.input.set_path(str(sample))
    tab.model.setCurrentIndex(tab.model.findData("tiny.en"))
    tab.language.setCurrentIndex(tab.language.findData("en"))
    for fmt, box in tab.formats.items():
        box.setChecked(fmt in ("srt", "json", "rttm"))
    assert tab.diarize.enabled.isEnabled() and not tab.diarize.count.isEnabled()
    assert not tab.formats["rttm"].isEnabled()  # speaker turns need "Label speakers"
    tab.diarize.enabled.setChecked(True)
    tab.diarize.count.setCurrentIndex(tab.diarize.count.findData(2))
    tab.diarize.style.setCurrentIndex(tab.diarize.style.findData("colon"))
    params = tab.job_params()
    assert (params["diarize"], params["speakers"], params["speaker_label"]) == (True, 2, "colon")
    assert params["diarization_backend"] == "offline"
    assert tab.options()["diarize"] is True  # saved with the tab's options

    job_id = tab.submit()
    assert job_id, tab.error.text()
    wait_job(qtbot, w, job_id)
    speakers = tab.speaker_list
    qtbot.waitUntil(lambda: speakers.isVisible() and speakers.table.rowCount() == 2, timeout=30_000)
    qtbot.waitUntil(lambda: tab.transcript.count() > 0, timeout=10_000)
    items = [tab.transcript.item(i).text() for i in range(tab.transcript.count())]
    assert all("[Speaker 1]" in text or "[Speaker 2]" in text for text in items)

    rttm = next(Path(p) for p in tab.recent.rows[job_id].output_paths if p.endswith(".rttm"))
    turns = [line.split() for line in rttm.read_text(encoding="utf-8").splitlines()]
    assert turns and all(t[0] == "SPEAKER" for t in turns)
    assert {t[7] for t in turns} == {"Speaker_1", "Speaker_2"}

    first = speakers.table.item(0, 0)
    old = first.text()
    first.setText("Diane")
    with qtbot.waitSignal(speakers.renamed, timeout=30_000):
        speakers.apply.click()
    srt = next(Path(p) for p in tab.recent.rows[job_id].output_paths if p.endswith(".srt"))
    text = srt.read_text(encoding="utf-8")
    assert "Diane: " in text and f"{old}: " not in text
    assert "Diane" in {line.split()[7] for line in rttm.read_text(encoding="utf-8").splitlines()}
    qtbot.waitUntil(lambda: any("[Diane]" in tab.transcript.item(i).text() for i in range(tab.transcript.count())))


def test_settings_speakers_page_round_trip(qtbot, tmp_path, monkeypatch):
    from media_core.settings import engine_settings, load_engine_settings
    from tests.gui_helpers import set_engine_settings

    monkeypatch.setenv("HF_TOKEN", "hf_from_the_environment")
    monkeypatch.setenv("REFRAME_DIARIZATION_MODELS", str(assets.diarization_models()))
    w = make_window(qtbot)
    d = w.open_settings()
    qtbot.waitUntil(lambda: d.loaded, timeout=20_000)
    d.show_page("speakers")
    page = d.page("speakers").fields
    assert page.models_status.text().startswith("Installed") and "MB" in page.models_status.text()
    assert page.hf_token.text() == ""  # the environment's token is used, never shown or saved
    page.hf_token.setText("hf_typed")
    page.speechbrain_dir.set_path(str(tmp_path))
    d.accept()
    saved = load_engine_settings(environment=False)
    assert (saved.huggingface_token, saved.speechbrain_model_dir) == ("hf_typed", str(tmp_path))
    assert engine_settings().huggingface_token == "hf_from_the_environment"
    d2 = w.open_settings()
    qtbot.waitUntil(lambda: d2.loaded, timeout=20_000)
    assert d2.page("speakers").fields.hf_token.text() == "hf_typed"
    d2.reject()
    set_engine_settings()


def test_shorts_tab_speaker_options_reach_the_request(qtbot):
    from media_core.shorts.models import ShortsRequest

    w = make_window(qtbot)
    tab = w.tabs_by_name["shorts"]
    assert not tab.speakers.prefer.isEnabled()
    assert "diarize" not in tab.job_params()
    tab.speakers.enabled.setChecked(True)
    tab.speakers.prefer.setText("Speaker 2")
    params = tab.job_params()
    assert (params["diarize"], params["prefer_speaker"]) == (True, "Speaker 2")
    request = ShortsRequest.model_validate({k: v for k, v in params.items() if k != "input"})
    assert request.diarize and request.prefer_speaker == "Speaker 2"
    saved = tab.options()
    tab.speakers.enabled.setChecked(False)
    tab.restore_options(saved)
    assert tab.speakers.enabled.isChecked() and tab.speakers.prefer.text() == "Speaker 2"
