"""Subtitle files: SRT/VTT/ASS round trips, TXT paragraphs, word-level JSON, reading errors, timing tools."""

from __future__ import annotations

import json

import pytest

from media_core.errors import InputNotFoundError, InvalidParameterError, SubtitleFormatError
from media_core.models import Segment, SubtitleLine, Transcript, Word
from media_core.paths import TEMP_MARKER
from media_core.subtitles import (
    GroupingOptions,
    fit_two_points,
    framerate_scale,
    group_words,
    read_subtitles,
    retime_lines,
    shift_lines,
    write_subtitles,
)
from media_core.transcription import normalize_words
from tests.assets import JFK_TEXT

# Format time precision: SRT/VTT keep milliseconds, ASS centiseconds (rounded).
PRECISION = {"srt": 0.0005, "vtt": 0.0005, "ass": 0.0051}


def jfk_words() -> list[Word]:
    """JFK's sentence with uneven, millisecond-precise timings (as a recogniser gives them)."""
    out, t = [], 0.317
    for i, text in enumerate(JFK_TEXT.split()):
        length = 0.151 + (i % 5) * 0.047
        out.append(
            Word(
                text=text,
                start=round(t, 3),
                end=round(t + length, 3),
                probability=0.5 + (i % 7) / 14,
                speaker="SPEAKER_00" if i < 14 else "SPEAKER_01",
            )
        )
        t += length + 0.033 + (0.9 if i == 13 else 0.0)
    return out


def jfk_transcript(words: list[Word]) -> Transcript:
    first, second = words[:14], words[14:]
    return Transcript(
        language="en",
        duration=11.0,
        meta={"model": "tiny.en", "source": "jfk.wav"},
        segments=[
            Segment(start=s[0].start, end=s[-1].end, text=" ".join(w.text for w in s), words=s, speaker=s[0].speaker)
            for s in (first, second)
        ],
    )


def assert_same_lines(read: list[SubtitleLine], built: list[SubtitleLine], tolerance: float) -> None:
    assert len(read) == len(built)
    for r, b in zip(read, built, strict=False):
        assert r.text == b.text
        assert r.start == pytest.approx(b.start, abs=tolerance)
        assert r.end == pytest.approx(b.end, abs=tolerance)


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass"])
def test_round_trip(fmt, odd_dir):
    lines = group_words(jfk_words(), GroupingOptions(max_chars_per_line=24))
    assert any("\n" in ln.text for ln in lines)  # two-row cues are part of the round trip
    path = write_subtitles(lines, odd_dir / f"jfk «test».{fmt}")
    assert path.is_file()
    assert not list(odd_dir.glob(f"*{TEMP_MARKER}*"))
    assert_same_lines(read_subtitles(path), lines, PRECISION[fmt])


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass"])
def test_round_trip_special_text(fmt, tmp_path):
    lines = [
        SubtitleLine(start=0.0, end=1.234, text="Tom & Jerry <3 — «ça va?»"),
        SubtitleLine(start=1.5, end=2.995, text="我们今天要讨论的是\n人工智能的发展。"),
        SubtitleLine(start=3.0, end=3.5, text='50% off: a 10" screen'),
    ]
    path = write_subtitles(lines, tmp_path / f"special.{fmt}")
    assert_same_lines(read_subtitles(path), lines, PRECISION[fmt])


def test_vtt_escapes_markup(tmp_path):
    path = write_subtitles([SubtitleLine(start=0, end=1, text="a < b & c")], tmp_path / "x.vtt")
    content = path.read_text(encoding="utf-8")
    assert content.startswith("WEBVTT")
    assert "a &lt; b &amp; c" in content


def test_ass_is_plain_and_well_formed(tmp_path):
    lines = group_words(jfk_words(), GroupingOptions(max_chars_per_line=24))
    content = write_subtitles(lines, tmp_path / "x.ass").read_text(encoding="utf-8")
    assert "[Script Info]" in content and "[V4+ Styles]" in content and "[Events]" in content
    assert "PlayResX: 1920" in content and "PlayResY: 1080" in content
    assert content.count("Dialogue:") == len(lines)
    assert "\\N" in content
    # Braces would be read as override tags: they become parentheses.
    brace = write_subtitles([SubtitleLine(start=0, end=1, text="set {x}")], tmp_path / "b.ass")
    assert read_subtitles(brace)[0].text == "set (x)"


def test_read_ass_strips_override_tags(tmp_path):
    ass = tmp_path / "styled.ass"
    ass.write_text(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 1080\nPlayResY: 1920\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
        "Alignment, MarginL, MarginR, MarginV, Encoding\n"
        "Style: Default,Poppins,80,&H00FFFFFF,&H0000FFFF,&H00000000,&H64000000,-1,0,0,0,100,100,0,0,1,4,0,2,60,60,200,1\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Comment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,a note\n"
        "Dialogue: 0,0:00:02.50,0:00:04.00,Default,,0,0,0,,{\\k20}ask {\\c&H00FFFF&\\b1}what{\\r} you\\Ncan do\n"
        "Dialogue: 0,0:00:00.25,0:00:02.00,Default,,0,0,0,,{\\an8\\fad(100,100)}And so my fellow Americans\n",
        encoding="utf-8",
    )
    lines = read_subtitles(ass)
    assert [(ln.start, ln.end, ln.text) for ln in lines] == [
        (0.25, 2.0, "And so my fellow Americans"),
        (2.5, 4.0, "ask what you\ncan do"),
    ]


def test_json_word_level(tmp_path):
    words = jfk_words()
    transcript = jfk_transcript(words)
    lines = group_words(words, GroupingOptions())
    path = write_subtitles(lines, tmp_path / "jfk.json", transcript=transcript)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["language"] == "en"
    assert data["duration"] == 11.0
    assert data["meta"]["model"] == "tiny.en" and data["meta"]["generator"].startswith("Reframe")
    json_words = [w for seg in data["segments"] for w in seg["words"]]
    assert [w["text"] for w in json_words] == JFK_TEXT.split()
    for jw, w in zip(json_words, words, strict=False):
        assert (jw["start"], jw["end"], jw["speaker"]) == (w.start, w.end, w.speaker)
        assert jw["probability"] == pytest.approx(w.probability, abs=1e-4)
        assert jw["start"] < jw["end"]
    assert [ln["text"] for ln in data["lines"]] == [ln.text for ln in lines]
    assert [w["text"] for ln in data["lines"] for w in ln["words"]] == JFK_TEXT.split()
    # The top level is a Transcript (the desktop's transcript browser loads it as one)...
    again = Transcript.model_validate_json(path.read_text(encoding="utf-8"))
    assert again.language == "en"
    assert [(w.text, w.start, w.end, w.speaker, round(w.probability, 4)) for w in again.words] == [
        (w.text, w.start, w.end, w.speaker, round(w.probability, 4)) for w in transcript.words
    ]
    # ...and read_subtitles gives back the cues, words included.
    back = read_subtitles(path)
    assert [(ln.start, ln.end, ln.text, [(w.text, w.start, w.end) for w in ln.words]) for ln in back] == [
        (ln.start, ln.end, ln.text, [(w.text, w.start, w.end) for w in ln.words]) for ln in lines
    ]


def test_json_without_transcript(tmp_path):
    lines = group_words(jfk_words(), GroupingOptions())
    data = json.loads(write_subtitles(lines, tmp_path / "x.json").read_text(encoding="utf-8"))
    assert data["language"] == "und"
    assert len(data["segments"]) == len(lines)


def test_txt_paragraphs_and_speakers(tmp_path):
    words = jfk_words()
    transcript = jfk_transcript(words)
    lines = group_words(words)
    text = write_subtitles(lines, tmp_path / "a.txt", transcript=transcript).read_text(encoding="utf-8")
    assert text == (
        "SPEAKER_00: And so my fellow Americans, ask not what your country can do for you,\n\n"
        "SPEAKER_01: ask what you can do for your country.\n"
    )
    plain = [w.model_copy(update={"speaker": None}) for w in words]
    text = write_subtitles(group_words(plain), tmp_path / "b.txt").read_text(encoding="utf-8")
    assert text == JFK_TEXT + "\n"  # a 0.9 s pause is not a paragraph
    late = plain[:14] + [w.model_copy(update={"start": w.start + 3, "end": w.end + 3}) for w in plain[14:]]
    text = write_subtitles(group_words(late), tmp_path / "c.txt").read_text(encoding="utf-8")
    assert text.count("\n\n") == 1
    no_labels = write_subtitles(lines, tmp_path / "d.txt", transcript=transcript, speaker_labels=False)
    assert "SPEAKER" not in no_labels.read_text(encoding="utf-8")


def test_txt_from_cjk_words(tmp_path):
    words = normalize_words(
        [Word(text=ch, start=i * 0.2, end=i * 0.2 + 0.15) for i, ch in enumerate("我们今天要讨论人工智能。")]
    )
    text = write_subtitles(group_words(words), tmp_path / "zh.txt").read_text(encoding="utf-8")
    assert text == "我们今天要讨论人工智能。\n"


def test_reading_bad_files(tmp_path):
    with pytest.raises(InputNotFoundError):
        read_subtitles(tmp_path / "missing.srt")
    empty = tmp_path / "empty.srt"
    empty.write_bytes(b"")
    with pytest.raises(SubtitleFormatError, match="empty"):
        read_subtitles(empty)
    prose = tmp_path / "prose.srt"
    prose.write_text("This is just a note,\nnot subtitles at all.\n", encoding="utf-8")
    with pytest.raises(SubtitleFormatError):
        read_subtitles(prose)
    binary = tmp_path / "video.vtt"
    binary.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(SubtitleFormatError):
        read_subtitles(binary)
    bad_json = tmp_path / "x.json"
    bad_json.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(SubtitleFormatError):
        read_subtitles(bad_json)


def test_windows_1252_srt_is_read(tmp_path):
    srt = tmp_path / "old.srt"
    srt.write_bytes("1\r\n00:00:01,000 --> 00:00:02,500\r\nCaf\xe9 cr\xe8me\r\n\r\n".encode("latin-1"))
    assert [(ln.start, ln.end, ln.text) for ln in read_subtitles(srt)] == [(1.0, 2.5, "Café crème")]


def test_unknown_format(tmp_path):
    with pytest.raises(InvalidParameterError):
        write_subtitles([], tmp_path / "x.docx")
    with pytest.raises(InvalidParameterError):
        write_subtitles([], tmp_path / "x.srt", "docx")


def test_shift_lines():
    lines = group_words(jfk_words(), GroupingOptions(max_chars_per_line=24))
    later = shift_lines(lines, 1500)
    assert [ln.start for ln in later] == [round(ln.start + 1.5, 3) for ln in lines]
    assert [w.start for ln in later for w in ln.words] == [round(w.start + 1.5, 3) for ln in lines for w in ln.words]
    earlier = shift_lines(lines, -1000)
    assert earlier[0].start == 0.0 and earlier[0].words[0].start == 0.0  # clamped, not negative
    assert earlier[-1].end == pytest.approx(lines[-1].end - 1.0)
    assert all(ln.end >= ln.start for ln in earlier)
    only = shift_lines(lines, 250, indices=[1])
    assert only[0] == lines[0] and only[2] == lines[2]
    assert only[1].start == pytest.approx(lines[1].start + 0.25)
    assert lines[1].start == group_words(jfk_words(), GroupingOptions(max_chars_per_line=24))[1].start  # untouched
    with pytest.raises(InvalidParameterError):
        shift_lines(lines, 100, indices=[len(lines)])


def test_retime_fixes_framerate_drift():
    lines = [SubtitleLine(start=t, end=t + 2, text=str(t)) for t in (0.0, 600.0, 3000.0)]
    # Subtitles timed against a 25 fps (PAL speed-up) copy, played on the 23.976 fps original.
    scale = framerate_scale(25, 24000 / 1001)
    fixed = retime_lines(lines, scale)
    assert fixed[2].start == pytest.approx(3000 * 25 * 1001 / 24000, abs=0.001)
    assert fixed[0].start == 0.0
    scale, offset = fit_two_points(10.0, 12.0, 1000.0, 1043.0)
    fixed = retime_lines(
        [SubtitleLine(start=10.0, end=11.0, text="a"), SubtitleLine(start=1000.0, end=1001, text="b")], scale, offset
    )
    assert (fixed[0].start, fixed[1].start) == (pytest.approx(12.0), pytest.approx(1043.0))
    with pytest.raises(InvalidParameterError):
        retime_lines(lines, 0)
