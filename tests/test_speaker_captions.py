"""Speakers in captions: word → speaker assignment, cue grouping, every export, the CLI and the job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pysubs2
import pytest

from media_core.captions import CaptionsRequest
from media_core.diarization import SpeakerTurn, assign_words, label_transcript, rename_speakers, speaker_for
from media_core.models import Segment, Transcript, Word
from media_core.subtitles.formats import rttm_string, speaker_turns, subtitles_to_string
from media_core.subtitles.grouping import group_words
from tests import assets

REPO = Path(__file__).resolve().parent.parent

TURNS = [
    SpeakerTurn(start=0.0, end=2.05, speaker="Speaker 1"),
    SpeakerTurn(start=1.9, end=4.0, speaker="Speaker 2"),
    SpeakerTurn(start=5.5, end=7.0, speaker="Speaker 1"),
]


def _words(texts_and_times: list[tuple[str, float, float]]) -> list[Word]:
    return [Word(text=t, start=s, end=e) for t, s, e in texts_and_times]


def test_word_takes_the_speaker_it_overlaps_most():
    assert speaker_for(0.5, 0.9, TURNS) == "Speaker 1"
    assert speaker_for(1.8, 2.4, TURNS) == "Speaker 2"  # 0.15 s with 1, 0.5 s with 2
    assert speaker_for(1.7, 2.0, TURNS) == "Speaker 1"  # 0.3 s with 1, 0.1 s with 2
    assert speaker_for(4.3, 4.6, TURNS) == "Speaker 2"  # in a gap: the nearest turn, 0.3 s away
    assert speaker_for(10.0, 10.5, TURNS) is None  # far from every turn
    assert speaker_for(1.0, 1.2, []) is None


def test_lines_never_mix_speakers_and_a_change_starts_a_new_line():
    words = _words(
        [
            *[("Hello", 0.1, 0.4), ("there,", 0.45, 0.8), ("how", 0.85, 1.0), ("are", 1.05, 1.2), ("you?", 1.25, 1.6)],
            *[("Fine", 2.2, 2.5), ("thanks.", 2.55, 2.9), ("And", 5.6, 5.8), ("you?", 5.85, 6.2)],
        ]
    )
    labelled = assign_words(words, TURNS)
    lines = group_words(labelled)
    assert [ln.speaker for ln in lines] == ["Speaker 1", "Speaker 2", "Speaker 1"]
    for line in lines:
        assert {w.speaker for w in line.words} == {line.speaker}
    # Without speakers the first five words and the next two would share one cue (no long pause).
    assert len(group_words(words)) < len(lines)


def _transcript() -> Transcript:
    words = _words([("Hi", 0.2, 0.5), ("Ana.", 0.55, 0.9), ("Hello", 2.3, 2.6), ("Ben.", 2.65, 3.0)])
    seg = Segment(start=0.2, end=3.0, text="Hi Ana. Hello Ben.", words=words)
    labelled = label_transcript(Transcript(language="en", duration=7.0, segments=[seg]), TURNS)
    return rename_speakers(labelled, {"Speaker 1": "Ben", "Speaker 2": "Ana"})


def test_exports_carry_speakers():
    transcript = _transcript()
    lines = group_words(transcript.words)
    assert [ln.speaker for ln in lines] == ["Ben", "Ana"]

    srt = subtitles_to_string(lines, "srt", transcript, speaker_style="brackets")
    assert "[Ben] Hi Ana." in srt and "[Ana] Hello Ben." in srt
    assert "Ben: Hi Ana." in subtitles_to_string(lines, "vtt", transcript, speaker_style="colon")
    plain = subtitles_to_string(lines, "srt", transcript)  # the library default: no prefix
    assert "Ben" not in plain.replace("Hello Ben.", "")

    ass = pysubs2.SSAFile.from_string(subtitles_to_string(lines, "ass", transcript))
    assert [ev.style for ev in ass.events] == ["Ben", "Ana"]
    assert ass.styles["Ben"].primarycolor != ass.styles["Ana"].primarycolor
    assert ass.styles["Ben"].fontname == ass.styles["Default"].fontname

    data = json.loads(subtitles_to_string(lines, "json", transcript))
    assert [w["speaker"] for seg in data["segments"] for w in seg["words"]] == ["Ben", "Ben", "Ana", "Ana"]
    # The recogniser's one segment is split where the voice changes.
    assert [(seg["speaker"], seg["text"]) for seg in data["segments"]] == [("Ben", "Hi Ana."), ("Ana", "Hello Ben.")]
    assert data["speakers"] == ["Ben", "Ana"]
    assert [t["speaker"] for t in data["turns"]] == ["Ben", "Ana", "Ben"]  # the diarization's own turns

    rttm = subtitles_to_string(lines, "rttm", transcript).splitlines()
    assert rttm[0] == "SPEAKER audio 1 0.000 2.050 <NA> <NA> Ben <NA> <NA>"
    assert len(rttm) == 3
    assert "Speaker_1" in rttm_string([{"start": 0.0, "end": 1.0, "speaker": "Speaker 1"}], "x")
    # Without stored turns, RTTM falls back to runs of same-speaker words.
    assert [t["speaker"] for t in speaker_turns(lines)] == ["Ben", "Ana"]


def test_request_fields_and_validation():
    request = CaptionsRequest(diarize=True, speakers=2, speaker_label="colon", speaker_names={"Speaker 1": "Ana"})
    assert request.diarization_options().num_speakers == 2
    flat = CaptionsRequest.model_validate({"model": "tiny.en", "diarize": True, "min_speakers": 2, "max_speakers": 4})
    assert (flat.min_speakers, flat.max_speakers) == (2, 4)
    with pytest.raises(ValueError):
        CaptionsRequest(min_speakers=3, max_speakers=2)
    with pytest.raises(ValueError):
        CaptionsRequest(speaker_label="stars")
    with pytest.raises(ValueError):
        CaptionsRequest(speakers=0)


def _env(models: Path) -> dict:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "REFRAME_DIARIZATION_MODELS": str(models)}


@pytest.fixture(scope="module")
def models() -> Path:
    try:
        return assets.diarization_models()
    except assets.AssetUnavailable as exc:
        pytest.fail(f"test asset unavailable: {exc}")


def test_cli_diarize_two_callers(models, tiny_en_model, tmp_path):
    sample = assets.pyannote_sample()
    proc = subprocess.run(
        [
            *[sys.executable, "-m", "media_core", "captions", str(sample / "sample.wav"), "--diarize"],
            *["--speakers", "2", "-f", "srt,json,rttm", "--model", str(tiny_en_model), "--language", "en"],
            *["--threads", "1", "--speaker-name", "Speaker 1=Diane", "--speaker-label", "colon"],
            *["-o", str(tmp_path), "-q"],
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env=_env(models),
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "sample.json").read_text(encoding="utf-8"))
    assert sorted(data["speakers"]) == ["Diane", "Speaker 2"]
    for line in data["lines"]:
        assert {w["speaker"] for w in line["words"]} == {line["speaker"]}
    # Word speakers against the sample's STM (reference speaker of each word's utterance).
    reference = []
    for row in (sample / "sample.stm").read_text().splitlines():
        parts = row.split(maxsplit=5)
        reference.append((float(parts[3]), float(parts[4]), parts[2]))
    pairs = {}
    agree = total = 0
    for word in (w for seg in data["segments"] for w in seg["words"]):
        mid = (word["start"] + word["end"]) / 2
        truth = next((spk for s, e, spk in reference if s <= mid <= e), None)
        if truth is None:
            continue
        pairs.setdefault(word["speaker"], {}).setdefault(truth, 0)
        pairs[word["speaker"]][truth] += 1
        total += 1
    agree = sum(max(counts.values()) for counts in pairs.values())
    print(f"\nword speaker accuracy on the sample: {agree / total:.1%} of {total} words")
    assert total > 40 and agree / total >= 0.9
    srt = (tmp_path / "sample.srt").read_text(encoding="utf-8")
    assert "Diane: " in srt and "Speaker 2: " in srt
    assert len((tmp_path / "sample.rttm").read_text().splitlines()) >= 4


def test_captions_job_accepts_speaker_parameters(models, tiny_en_model, tmp_path, tmp_path_factory, monkeypatch):
    """The ``captions`` job type (what the API and the desktop submit) takes the same speaker fields."""
    from media_core.jobs import JobManager, JobStore

    monkeypatch.setenv("REFRAME_DIARIZATION_MODELS", str(models))
    manager = JobManager(JobStore(tmp_path_factory.mktemp("store") / "jobs.sqlite3"))
    try:
        params = {
            "input": str(assets.jfk_wav()),
            "model": str(tiny_en_model),
            "language": "en",
            "threads": 1,
            "formats": "json,rttm",
            "diarize": True,
            "max_speakers": 3,
            "speaker_names": {"Speaker 1": "JFK"},
            "output_dir": str(tmp_path),
        }
        job = manager.wait(manager.submit("captions", params), timeout=600)
    finally:
        manager.shutdown()
    assert job.status == "succeeded", (job.error_code, job.error_message, job.error_detail)
    data = json.loads((tmp_path / "jfk.json").read_text(encoding="utf-8"))
    assert data["speakers"] == ["JFK"]
    assert all(w["speaker"] == "JFK" for seg in data["segments"] for w in seg["words"])
    assert (tmp_path / "jfk.rttm").read_text().split()[7] == "JFK"


def test_renaming_rewrites_every_output(tmp_path):
    from media_core.captions import rename_speakers_in_outputs
    from media_core.subtitles import read_subtitles

    transcript = _transcript()
    lines = group_words(transcript.words)
    outputs = {}
    for fmt in ("srt", "vtt", "ass", "txt", "json", "rttm"):
        outputs[fmt] = tmp_path / f"talk.{fmt}"
        outputs[fmt].write_text(subtitles_to_string(lines, fmt, transcript, speaker_style="brackets"), encoding="utf-8")
    outputs["srt.es"] = tmp_path / "talk.es.srt"
    spanish = [ln.model_copy(update={"text": t}) for ln, t in zip(lines, ["Hola Ana.", "Hola Ben."], strict=True)]
    outputs["srt.es"].write_text(subtitles_to_string(spanish, "srt", speaker_style="brackets"), encoding="utf-8")

    rename_speakers_in_outputs(outputs, {"Ben": "Benjamin", "Ana": ""}, "colon")
    assert "Benjamin: Hi Ana." in outputs["srt"].read_text(encoding="utf-8")
    assert "Ana: Hello Ben." in outputs["vtt"].read_text(encoding="utf-8")  # an empty new name keeps the old one
    assert [ln.speaker for ln in read_subtitles(outputs["ass"])] == ["Benjamin", "Ana"]
    assert outputs["txt"].read_text(encoding="utf-8").startswith("Benjamin: Hi Ana.")
    data = json.loads(outputs["json"].read_text(encoding="utf-8"))
    assert data["speakers"] == ["Benjamin", "Ana"] and data["turns"][0]["speaker"] == "Benjamin"
    assert "Benjamin" in outputs["rttm"].read_text()
    assert [ln.text for ln in read_subtitles(outputs["srt.es"])] == ["Benjamin: Hola Ana.", "Ana: Hola Ben."]


def test_styled_burn_in_gives_each_speaker_a_colour():
    from media_core.styles.ass_builder import build_ass_file
    from media_core.styles.style import SubtitleStyle

    transcript = _transcript()
    lines = group_words(transcript.words)
    for mode in ("none", "color", "karaoke_fill"):
        style = SubtitleStyle(highlight_mode=mode)
        subs = build_ass_file(lines, style, 1280, 720)
        by_speaker: dict[str, set[str]] = {}
        for event in subs.events:
            for line in lines:
                if line.start * 1000 - 10 <= event.start < line.end * 1000:
                    by_speaker.setdefault(line.speaker, set()).add(event.style)
        ben, ana = by_speaker["Ben"], by_speaker["Ana"]
        assert ben.isdisjoint(ana), mode
        colour = "secondarycolor" if mode == "karaoke_fill" else "primarycolor"
        ben_colours = {repr(getattr(subs.styles[name], colour)) for name in ben}
        ana_colours = {repr(getattr(subs.styles[name], colour)) for name in ana}
        assert ben_colours.isdisjoint(ana_colours), mode
    # One speaker (or none): the preset's look is untouched.
    single = [ln.model_copy(update={"speaker": "Ben"}) for ln in lines]
    assert len(build_ass_file(single, SubtitleStyle(), 1280, 720).styles) == len(
        build_ass_file([ln.model_copy(update={"speaker": None}) for ln in lines], SubtitleStyle(), 1280, 720).styles
    )
