"""Subtitle translation plumbing: timing/count/tags/rows/empty cues, bilingual output, backend choice."""

from __future__ import annotations

import json

import pysubs2
import pytest

from media_core.errors import (
    BackendUnavailableError,
    InputNotFoundError,
    InvalidParameterError,
    SubtitleFormatError,
    TranslationError,
)
from media_core.models import SubtitleLine
from media_core.translation import (
    available_backends,
    bilingual,
    get_translator,
    register_backend,
    resolve_translator,
    translate_lines,
    translate_subtitle_file,
    translate_texts,
    wrap_balanced,
)
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
    assert [(c.start, c.end) for c in out] == [(c.start, c.end) for c in LINES]
    assert out[0].text == "{\\an8}four three two one"
    assert out[1].text.count("\n") == 1 and out[1].text.replace("\n", " ") == "epsilon delta gamma beta alpha"
    assert out[2].text == ""
    assert out[3].text == "{\\i1}sole{\\i0}"
    # Inline tags are re-applied at the same relative word boundaries, in order.
    assert out[4].text == "word {\\b1}bold{\\b0} mid"
    # Empty cues are never sent; batches hold consecutive cues (context) of at most batch_size.
    assert rev.batches == [["one two three four", "alpha beta gamma delta epsilon"], ["sole", "mid bold word"]]
    assert isinstance(rev, Translator)


def test_wrap_balanced():
    assert wrap_balanced("a bb ccc dddd eeeee", 2) == "a bb ccc\ndddd eeeee"
    assert wrap_balanced("single", 3) == "single"
    three = wrap_balanced("one two three four five six seven eight nine", 3).split("\n")
    assert len(three) == 3 and max(map(len, three)) - min(map(len, three)) <= 6


def test_bilingual_modes():
    tr = translate_lines(LINES, Reverser(), "en", "xx")
    stacked = bilingual(LINES, tr, "stacked")
    # Tags kept on both rows; the translation row starts from the cue's style and does not
    # repeat event-level overrides (\\an8 counts once per cue anyway).
    assert stacked[0].text == "{\\an8}one two three four\n{\\r}four three two one"
    assert stacked[4].text == "mid {\\b1}bold{\\b0} word\n{\\r}word {\\b1}bold{\\b0} mid"
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
    for _i, line in enumerate(LINES):
        subs.events.append(
            pysubs2.SSAEvent(
                start=int(line.start * 1000), end=int(line.end * 1000), text=line.text.replace("\n", "\\N")
            )
        )
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


class Upper:
    """Uppercases and appends a word, so translated cues differ in length from their source."""

    name = "upper"

    def translate_batch(self, texts, src, tgt, *, progress=None, cancel=None):
        return [f"{t.upper()} EXTRA" if t else "" for t in texts]

    def available_pairs(self):
        return [("en", "xx")]

    def is_available(self):
        return True


def test_inline_tags_rows_karaoke_and_drawings():
    lines = [
        # A colour change on the second word of a two-row cue, closed on the same word.
        SubtitleLine(start=0, end=1, text="I {\\c&H00FFFF&}really{\\c} love\nthis place"),
        # Karaoke: one tag per word, all kept, in order, at proportional word positions.
        SubtitleLine(start=1, end=2, text="{\\k20}ask {\\k30}not {\\k25}what"),
        # A vector drawing is shape commands, not words: never sent, never changed.
        SubtitleLine(start=2, end=3, text="{\\p1}m 0 0 l 100 0 100 100{\\p0}"),
        # Only tags, no text.
        SubtitleLine(start=3, end=4, text="{\\pos(10,20)}"),
    ]
    sent = []

    class Recording(Upper):
        def translate_batch(self, texts, src, tgt, **kw):
            sent.extend(texts)
            return super().translate_batch(texts, src, tgt, **kw)

    out = translate_lines(lines, Recording(), "en", "xx")
    assert sent == ["I really love this place", "ask not what"]
    assert out[0].text == "I {\\c&H00FFFF&}REALLY{\\c} LOVE\nTHIS PLACE EXTRA"
    assert out[0].text.count("\n") == 1  # rows kept
    # 3 source words → 4 translated: the tag before source word 2 lands before word round(2·4/3) = 3.
    assert out[1].text == "{\\k20}ASK {\\k30}NOT WHAT {\\k25}EXTRA"
    assert out[2].text == lines[2].text and out[3].text == lines[3].text


def test_tags_keep_order_when_the_translation_is_short():
    from media_core.translation.markup import apply_markup, split_markup

    marked = split_markup("one {\\b1}two three{\\b0} four five {\\i1}six{\\i0}")
    text = apply_markup(marked, "uno dos")
    tags = ["{\\b1}", "{\\b0}", "{\\i1}", "{\\i0}"]
    positions = [text.index(t) for t in tags]
    assert positions == sorted(positions), text  # every tag kept, opening before closing
    assert text.replace("{\\b1}", "").replace("{\\b0}", "").replace("{\\i1}", "").replace("{\\i0}", "").split() == [
        "uno",
        "dos",
    ]


def test_two_track_keeps_inline_styling_but_not_layout_overrides():
    lines = [
        SubtitleLine(start=0, end=1, text="{\\an8\\pos(5,5)\\fs80\\b1}Big {\\i1}word{\\i0}"),
        SubtitleLine(start=1, end=2, text="{\\p1}m 0 0 l 10 0 10 10{\\p0}"),
    ]
    tr = translate_lines(lines, Upper(), "en", "xx")
    ass = bilingual(lines, tr, "two_track")
    texts = {e.style: e.text for e in ass}
    assert len(ass) == 2  # the drawing is not part of the bilingual layout
    assert texts["Original"] == "{\\b1}Big {\\i1}word{\\i0}"
    assert (
        "{\\i1}" in texts["Translation"] and "\\pos" not in texts["Translation"] and "\\fs" not in texts["Translation"]
    )
    stacked = bilingual(lines, tr, "stacked")
    assert stacked[1].text == lines[1].text  # a drawing is shown once, not stacked on itself


def test_stacked_translation_row_drops_karaoke_timing():
    lines = [SubtitleLine(start=0, end=1, text="{\\k20}ask {\\k30}not")]
    tr = translate_lines(lines, Upper(), "en", "xx")
    text = bilingual(lines, tr, "stacked")[0].text
    first, second = text.split("\n")
    assert first == lines[0].text and "\\k" not in second and second.startswith("{\\r}")


def test_identity_is_not_offered_to_users():
    from media_core.cli import build_parser
    from media_core.translation import user_backends

    assert "identity" not in user_backends() and "identity" in available_backends()
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["translate", "x.srt", "--to", "es", "--backend", "identity"])
    assert info.value.code == 2
    assert (
        build_parser().parse_args(["translate", "x.srt", "--to", "es", "--backend", "apertium"]).backend == "apertium"
    )


def test_translate_texts_keeps_line_breaks():
    out = translate_texts(["My house\n\nThe  big dog", "  "], "es", "en", backend="apertium")
    rows = out[0].split("\n")
    assert len(rows) == 3 and rows[1] == ""
    assert "casa" in rows[0].lower() and "perro" in rows[2].lower()
    assert out[1] == ""


def test_backend_status_lists_user_backends(monkeypatch):
    from media_core.translation import backend_status

    monkeypatch.delenv("REFRAME_TRANSLATE_BASE_URL", raising=False)
    monkeypatch.delenv("REFRAME_OFFLINE", raising=False)
    status = {s.name: s for s in backend_status()}
    assert "identity" not in status and set(status) >= {"argos", "apertium", "cloud"}
    assert status["apertium"].available and ("en", "es") in {(p.src, p.tgt) for p in status["apertium"].pairs}
    assert not status["cloud"].available and "Settings → Translation" in status["cloud"].detail
    monkeypatch.setenv("REFRAME_TRANSLATE_BASE_URL", "http://127.0.0.1:9/v1")
    assert {s.name: s for s in backend_status()}["cloud"].available
    assert not {s.name: s for s in backend_status(offline=True)}["cloud"].available
