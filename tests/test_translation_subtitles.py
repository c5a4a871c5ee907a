"""Subtitle translation plumbing: timing/count/tags/rows/empty cues, bilingual output, backend choice."""

from __future__ import annotations

import json

import pysubs2
import pytest

from media_core.errors import (BackendUnavailableError, InputNotFoundError, InvalidParameterError,
                               SubtitleFormatError, TranslationError)
from media_core.models import SubtitleLine
from media_core.translation import (available_backends, bilingual, get_translator, register_backend,
                                    resolve_translator, translate_lines, translate_subtitle_file, translate_texts,
                                    wrap_balanced)
from media_core.translation.base import Translator, normalize_lang
from media_core.translation.identity import IdentityTranslator


class Reverser:
    """A real (if silly) translator: reverses word order, so re-wrapping is visible."""

    name = "reverser"

    def __init__(self, **_):
        self.batches: list[list[str]] = []

    def translate_batch(self, texts, src, tgt, *, progress=None, cancel=None):
        self.batches.append(list(texts))
        return [" ".join(reversed(t.split())) for t in texts]

    def available_pairs(self):
        return [("en", "xx")]

    def is_available(self):
        return True


LINES = [
    SubtitleLine(start=0.0, end=1.25, text="{\\an8}one two three four"),
    SubtitleLine(start=1.25, end=2.5, text="alpha beta\ngamma delta epsilon"),
    SubtitleLine(start=3.0, end=3.5, text=""),
    SubtitleLine(start=3.5, end=4.0, text="{\\i1}sole{\\i0}"),
    SubtitleLine(start=4.0, end=5.0, text="mid {\\b1}bold{\\b0} word"),
]


def test_translate_lines_keeps_structure():
    rev = Reverser()
    out = translate_lines(LINES, rev, "en", "xx", batch_size=2)
    assert [(l.start, l.end) for l in out] == [(l.start, l.end) for l in LINES]
    assert out[0].text == "{\\an8}four three two one"
    assert out[1].text.count("\n") == 1 and out[1].text.replace("\n", " ") == "epsilon delta gamma beta alpha"
    assert out[2].text == ""
    assert out[3].text == "{\\i1}sole{\\i0}"
    assert out[4].text == "word bold mid"  # mid-cue tags cannot follow reordered words: dropped
    # Empty cues are never sent; batches hold consecutive cues (context) of at most batch_size.
    assert rev.batches == [["one two three four", "alpha beta gamma delta epsilon"],
                           ["sole", "mid bold word"]]
    assert isinstance(rev, Translator)


def test_wrap_balanced():
    assert wrap_balanced("a bb ccc dddd eeeee", 2) == "a bb ccc\ndddd eeeee"
    assert wrap_balanced("single", 3) == "single"
    three = wrap_balanced("one two three four five six seven eight nine", 3).split("\n")
    assert len(three) == 3 and max(map(len, three)) - min(map(len, three)) <= 6


def test_bilingual_modes():
    tr = translate_lines(LINES, Reverser(), "en", "xx")
    stacked = bilingual(LINES, tr, "stacked")
    assert stacked[0].text == "one two three four\nfour three two one"
    assert stacked[2].text == ""
    ass = bilingual(LINES, tr, "two_track", width=1280, height=720)
    assert isinstance(ass, pysubs2.SSAFile) and ass.info["PlayResY"] == "720"
    assert len([e for e in ass if e.style == "Translation"]) == 4
    with pytest.raises(InvalidParameterError):
        bilingual(LINES, tr[:2], "stacked")
    with pytest.raises(InvalidParameterError):
        bilingual(LINES, tr, "sideways")


def test_file_roundtrip_with_identity_in_odd_dir(odd_dir):
    src = odd_dir / "clip ünïcode.srt"
    subs = pysubs2.SSAFile()
    for i, line in enumerate(LINES):
        subs.events.append(pysubs2.SSAEvent(start=int(line.start * 1000), end=int(line.end * 1000),
                                            text=line.text.replace("\n", "\\N")))
    subs.save(str(src))
    (odd_dir / "clip ünïcode.json").write_text(json.dumps({"language": "en", "segments": []}))
    result = translate_subtitle_file(src, "de", backend="identity", bilingual="stacked", out=odd_dir / "o.vtt")
    assert result.src == "en" and result.tgt == "de" and result.cues == len(LINES)
    assert result.outputs == [result.translated, result.bilingual]
    out = pysubs2.load(str(result.translated))
    assert [(e.start, e.end) for e in out] == [(e.start, e.end) for e in subs]
    assert [e.plaintext for e in out][:2] == [e.plaintext for e in subs][:2]


def test_bad_inputs(tmp_path):
    with pytest.raises(InputNotFoundError):
        translate_subtitle_file(tmp_path / "nope.srt", "es", "en", backend="identity")
    garbage = tmp_path / "garbage.srt"
    garbage.write_bytes(b"\x00\x01 not subtitles at all \xff")
    with pytest.raises(SubtitleFormatError):
        translate_subtitle_file(garbage, "es", "en", backend="identity")
    plain = tmp_path / "plain.srt"
    plain.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    with pytest.raises(InvalidParameterError, match="--from"):
        translate_subtitle_file(plain, "es", backend="identity")
    with pytest.raises(InvalidParameterError, match="already"):
        translate_subtitle_file(plain, "en", "en", backend="identity")
    with pytest.raises(InvalidParameterError, match="Unknown translation backend"):
        translate_subtitle_file(plain, "es", "en", backend="babelfish")
    with pytest.raises(InvalidParameterError):
        translate_subtitle_file(plain, "es", "en", backend="identity", out=tmp_path / "x.docx")
    with pytest.raises(InvalidParameterError):
        normalize_lang("  ")


def test_auto_backend_choice(monkeypatch):
    monkeypatch.delenv("REFRAME_TRANSLATE_BASE_URL", raising=False)
    assert resolve_translator("auto", "en", "es", offline=True).name == "apertium"  # no Argos package here
    with pytest.raises(BackendUnavailableError, match="apertium-eng-spa") as info:
        resolve_translator("auto", "ja", "de", offline=True)
    assert "argos" in info.value.detail and "cloud" in info.value.detail
    with pytest.raises(BackendUnavailableError, match="Apertium has no"):
        resolve_translator("apertium", "ja", "de")
    assert set(available_backends()) >= {"argos", "apertium", "cloud", "identity"}


def test_translate_texts_and_registry():
    register_backend("reverser", Reverser)
    assert get_translator("reverser").name == "reverser"
    assert translate_texts(["  Best  moment\never ", ""], "xx", "en", backend="reverser") == ["ever moment Best", ""]
    assert translate_texts(["My clip title"], "es", "en", backend="apertium")[0].lower().startswith("mi")


def test_backend_returning_wrong_count_is_caught():
    class Broken(IdentityTranslator):
        def translate_batch(self, texts, src, tgt, **kw):
            from media_core.translation.base import check_batch
            return check_batch(texts, texts[:-1], "broken")

    with pytest.raises(TranslationError, match="returned 1 lines for 2"):
        translate_lines(LINES[:2], Broken(), "en", "es")
