"""Subtitle files in the encodings people actually have, read the same way by every reader."""

from __future__ import annotations

import pytest

from media_core.errors import SubtitleFormatError
from media_core.subtitles import read_subtitles
from media_core.subtitles.encoding import detect_encoding, drop_broken_srt_blocks, read_subtitle_text
from media_core.translation.subtitles import _load_subs

SAMPLES = {
    "fr": "Ça a été très agréable, n'est-ce pas ? Déjà l'été. Le café est prêt, Hélène !",
    "es": "¿Qué tal, señor Muñoz? «Mañana» será otro día.",
    "de": "Größere Übungen für schöne Füße.",
    "zh": "我们今天讨论字幕编码的问题。谢谢大家的收看。",
    "ja": "今日は字幕の文字コードについて話します。ありがとうございました。",
    "ru": "Привет, как дела? Это субтитры.",
}
CASES = [
    ("fr", "cp1252"),
    ("fr", "latin-1"),
    ("es", "cp1252"),
    ("de", "cp1252"),
    ("fr", "utf-16"),
    ("zh", "utf-16-le"),
    ("fr", "utf-8-sig"),
    ("zh", "gb18030"),
    ("ja", "shift_jis"),
    ("ru", "cp1251"),
    ("ja", "utf-8"),
]


def _srt(text: str) -> str:
    return f"1\n00:00:01,000 --> 00:00:03,000\n{text}\n\n2\n00:00:04,000 --> 00:00:05,000\n{text[:12]}\n"


@pytest.mark.parametrize(("lang", "encoding"), CASES, ids=[f"{lang}-{enc}" for lang, enc in CASES])
def test_every_reader_gets_the_right_text(tmp_path, lang, encoding):
    data = _srt(SAMPLES[lang]).encode(encoding)
    if encoding == "utf-16-le":  # no BOM: charset-normalizer has to recognise it
        assert detect_encoding(data) in ("utf_16_le", "utf-16-le")
    path = tmp_path / f"{lang} {encoding}.srt"
    path.write_bytes(data)
    text, _ = read_subtitle_text(path)
    assert SAMPLES[lang] in text
    assert [ln.text for ln in read_subtitles(path)] == [SAMPLES[lang], SAMPLES[lang][:12].strip()]
    assert _load_subs(path)[0].plaintext == SAMPLES[lang]


def test_undecodable_and_empty_files_name_the_file(tmp_path):
    binary = tmp_path / "film.srt"
    binary.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(SubtitleFormatError, match=r"film\.srt could not be decoded"):
        read_subtitle_text(binary)
    empty = tmp_path / "nothing.srt"
    empty.write_bytes(b"\n \n")
    with pytest.raises(SubtitleFormatError, match=r"nothing\.srt is empty"):
        read_subtitles(empty)


def test_broken_srt_blocks_are_left_out_and_good_files_kept_as_they_are():
    good = _srt("Hello there.")
    assert drop_broken_srt_blocks(good) == good
    broken = good + "\n3\n00:00:0x,000 -> 00:00:06\nbad time\n\nstray text\n"
    assert drop_broken_srt_blocks(broken) == good
    assert drop_broken_srt_blocks("junk\n\nmore junk\n") == ""
