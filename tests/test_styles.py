"""Caption styles: model, presets, ASS generation, and real libass renders through ffmpeg."""

from __future__ import annotations

import itertools
import json
import os
import re

import av
import numpy as np
import pysubs2
import pytest

from media_core.errors import InvalidParameterError
from media_core.ffmpeg import run_ffmpeg
from media_core.models import SubtitleLine, Word
from media_core.styles import (
    HIGHLIGHT_MODES,
    SubtitleStyle,
    build_ass,
    bundled_families,
    delete_user_preset,
    escape_ass_text,
    fonts_dir,
    get_preset,
    is_family_available,
    list_presets,
    preset_names,
    save_user_preset,
    style_preview_lines,
)
from media_core.styles.ass_builder import build_ass_file
from media_core.styles.presets import PresetNotFoundError, user_presets_dir

W, H = 640, 360


def _line(words: list[tuple[str, float, float]], start=None, end=None, text=None) -> SubtitleLine:
    ws = [Word(text=t, start=s, end=e) for t, s, e in words]
    return SubtitleLine(
        start=ws[0].start if start is None else start,
        end=ws[-1].end if end is None else end,
        text=text if text is not None else " ".join(w.text for w in ws),
        words=ws,
    )


THREE = _line([("ONE", 0.5, 1.0), ("TWO", 1.2, 1.7), ("THREE", 1.9, 2.6)], start=0.4, end=2.8)


def _filter_path(path) -> str:
    return "'" + str(path).replace("'", r"'\''").replace(":", r"\:") + "'"


def render(ass_text: str | None, t: float, tmp_path, size=(W, H), name="frame") -> np.ndarray:
    """One RGB frame at time ``t`` of a flat grey clip with the script burned in by libass."""
    w, h = size
    out = tmp_path / f"{name}_{t:.2f}.png"
    vf = "format=rgb24"
    if ass_text is not None:
        ass = tmp_path / f"{name}.ass"
        ass.write_text(ass_text, encoding="utf-8")
        # Blend in RGB: a yuv420p chain would smear the highlight colour with chroma subsampling.
        vf = f"format=rgb24,ass=filename={_filter_path(ass)}:fontsdir={_filter_path(fonts_dir())}"
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            f"color=c=0x404040:s={w}x{h}:r=25:d={t + 0.2:.2f}",
            "-vf",
            vf,
            "-ss",
            f"{t:.2f}",
            "-frames:v",
            "1",
            "-update",
            "1",
            str(out),
        ],
        log=lambda s: None,
    )
    with av.open(str(out)) as container:
        frame = next(container.decode(video=0))
        return frame.to_ndarray(format="rgb24").astype(int)


def mask_of(img: np.ndarray, rgb: tuple[int, int, int], tol: int = 40) -> np.ndarray:
    return np.abs(img - np.array(rgb)).sum(axis=2) < tol


def column_clusters(mask: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    cols = np.flatnonzero(mask.any(axis=0))
    if cols.size == 0:
        return []
    clusters, start, prev = [], cols[0], cols[0]
    for c in cols[1:]:
        if c - prev > min_gap:
            clusters.append((start, prev))
            start = c
        prev = c
    clusters.append((start, prev))
    return clusters


# --- model ------------------------------------------------------------------------------------


def test_style_json_round_trip_and_colour_validation():
    style = SubtitleStyle(
        name="Mine",
        font_family="Anton",
        highlight_color="#ff00aa80",
        uppercase=True,
        highlight_mode="pop",
        max_words_per_line=3,
    )
    again = SubtitleStyle.from_json(style.to_json())
    assert again == style
    assert again.highlight_color == "#FF00AA80"  # normalised
    assert json.loads(style.to_json())["highlight_mode"] == "pop"
    for bad in ("red", "#FFF", "#GGGGGG", "#1234567"):
        with pytest.raises(ValueError):
            SubtitleStyle(text_color=bad)
    with pytest.raises(InvalidParameterError):
        SubtitleStyle.from_json('{"font_size": -3}')
    with pytest.raises(InvalidParameterError):
        SubtitleStyle.from_json('{"highlight_mode": "sparkle"}')


# --- presets ----------------------------------------------------------------------------------


def test_builtin_presets_build_valid_ass_for_both_orientations():
    names = preset_names()
    for required in ("TikTok default", "Yellow highlight", "Clean white", "Boxed", "Bold pop", "Minimal lower-third"):
        assert required in names
    lines = style_preview_lines()
    modes = set()
    for style in list_presets():
        modes.add(style.highlight_mode)
        assert is_family_available(style.font_family), f"{style.name}: {style.font_family} is not bundled"
        for w, h in ((1080, 1920), (1920, 1080)):
            text = build_ass(lines, style, w, h)
            subs = pysubs2.SSAFile.from_string(text)
            assert subs.info["PlayResX"] == str(w) and subs.info["PlayResY"] == str(h)
            assert subs.info["ScaledBorderAndShadow"] == "yes"
            main = subs.styles["Main"]
            assert main.fontname == style.font_family
            # Same text size relative to the short side on 9:16 and 16:9.
            assert main.fontsize == pytest.approx(style.font_size * min(w, h) / 1080, abs=0.1)
            assert len(subs.events) >= 2
            assert subs.events[0].start == round(lines[0].start * 1000, -1)
            assert max(e.end for e in subs.events) == round(lines[-1].end * 1000, -1)
    assert modes == set(HIGHLIGHT_MODES)  # the presets show off every highlight mode


def test_user_presets_save_override_and_delete():
    custom = get_preset("Boxed").model_copy(update={"name": "My boxed", "font_size": 99})
    path = save_user_preset(custom)
    assert path.parent == user_presets_dir() and path.exists()
    assert get_preset("my BOXED").font_size == 99
    override = get_preset("TikTok default").model_copy(update={"highlight_color": "#123456"})
    save_user_preset(override)
    assert get_preset("TikTok default").highlight_color == "#123456"
    assert preset_names().count("TikTok default") == 1
    assert delete_user_preset("TikTok default")
    assert get_preset("TikTok default").highlight_color != "#123456"  # built-in is back
    assert delete_user_preset("My boxed") and not delete_user_preset("My boxed")
    with pytest.raises(PresetNotFoundError):
        get_preset("My boxed")
    assert not list(user_presets_dir().glob("*.reframe-part-*"))


# --- ASS structure -----------------------------------------------------------------------------


def _word_events(subs: pysubs2.SSAFile, style_name="Main"):
    return [e for e in subs.events if e.style == style_name]


def _assert_back_to_back(events, start_ms, end_ms):
    events = sorted(events, key=lambda e: e.start)
    assert events[0].start == start_ms and events[-1].end == end_ms
    for a, b in itertools.pairwise(events):
        assert a.end == b.start, f"gap/overlap between {a} and {b}"


def _active_word(text: str, tag: str) -> str:
    """The word right after the ``tag`` override in an event's text."""
    match = re.search(re.escape(tag) + r"[^}]*\}([^{\s]+)", text)
    assert match, text
    return match.group(1)


@pytest.mark.parametrize("mode", ["color", "pop", "box", "word_by_word"])
def test_sliced_modes_cover_the_cue_and_track_the_spoken_word(mode):
    style = SubtitleStyle(highlight_mode=mode, highlight_color="#FF0000", text_color="#FFFFFF")
    subs = build_ass_file([THREE], style, 1080, 1920)
    sliced = _word_events(subs, "WordBox" if mode == "box" else "Main")
    _assert_back_to_back(sliced, 400, 2800)
    expected = [("ONE", 400, 1200), ("TWO", 1200, 1900), ("THREE", 1900, 2800)]
    assert [(e.start, e.end) for e in sliced] == [(s, e) for _, s, e in expected]
    for event, (word, _, _) in zip(sliced, expected, strict=False):
        if mode in ("color", "pop"):
            assert _active_word(event.text, "\\1c&H0000FF&") == word
            assert event.plaintext == "ONE TWO THREE"
        elif mode == "box":
            assert _active_word(event.text, "\\3a&H00&") == word
            assert event.text.count("\\3a&H00&") == 1
        else:
            assert event.plaintext == word  # only the current word is on screen
    if mode == "pop":
        assert all("\\t(0,110,\\fscx120\\fscy120)" in e.text for e in sliced)
    if mode == "box":
        text_layer = _word_events(subs, "Main")
        assert len(text_layer) == 1 and text_layer[0].layer > sliced[0].layer


def test_karaoke_fill_timings_sum_to_the_cue():
    subs = build_ass_file([THREE], SubtitleStyle(highlight_mode="karaoke_fill"), 1920, 1080)
    (event,) = subs.events
    tags = re.findall(r"\\(kf|k)(\d+)", event.text)
    assert [t for t, _ in tags] == ["k", "kf", "k", "kf", "k", "kf"]
    durations = [int(v) for _, v in tags]
    assert durations == [10, 50, 20, 50, 20, 70]
    assert event.start == 400 and event.start + 10 * sum(durations) <= event.end
    assert subs.styles["Main"].primarycolor == pysubs2.Color(0xFF, 0xE5, 0x00, 0)  # filled = highlight


def test_text_without_spaces_still_gets_the_word_highlight():
    """Chinese/Japanese: Whisper gives a word per character or two and the text has no spaces."""
    chars = [("我们", 0.0, 0.4), ("今天", 0.4, 0.9), ("去", 0.9, 1.1), ("东京", 1.1, 1.6)]
    line = _line(chars, text="我们今天\n去东京")
    for mode in ("color", "word_by_word", "karaoke_fill"):
        events = build_ass_file(
            [line], SubtitleStyle(highlight_mode=mode, highlight_color="#FF0000"), 1080, 1920
        ).events
        if mode == "color":
            assert [_active_word(e.text, "\\1c&H0000FF&") for e in events] == ["我们", "今天", "去", "东京"]
            assert all(e.plaintext == "我们今天\n去东京" for e in events)  # no spaces put in
        elif mode == "word_by_word":
            assert [e.plaintext for e in events] == ["我们", "今天", "去", "东京"]
        else:
            (event,) = events
            assert event.text.count("\\kf") == 4 and event.plaintext == "我们今天\n去东京"
    # Mixed script: spaces kept where the text has them.
    mixed = _line([("用", 0.0, 0.3), ("Reframe", 0.3, 0.9), ("剪辑", 0.9, 1.4)], text="用 Reframe 剪辑")
    (first, *_) = build_ass_file([mixed], SubtitleStyle(highlight_mode="color"), 1080, 1920).events
    assert first.plaintext == "用 Reframe 剪辑"
    # Words that do not spell the text (edited): shown as typed, without a highlight.
    edited = _line(chars, text="我们明天去大阪")
    (event,) = build_ass_file([edited], SubtitleStyle(highlight_mode="color"), 1080, 1920).events
    assert event.text == "我们明天去大阪"


def test_regrouping_by_max_words_uses_word_timings():
    words = [(f"w{i}", i * 0.5, i * 0.5 + 0.4) for i in range(7)]
    line = _line(words, start=0.0, end=3.5)
    style = SubtitleStyle(highlight_mode="none", max_words_per_line=2, max_lines=2)
    events = build_ass_file([line], style, 1080, 1920).events
    assert [e.text for e in events] == ["w0 w1\\Nw2 w3", "w4 w5\\Nw6"]
    assert [(e.start, e.end) for e in events] == [(0, 2000), (2000, 3500)]


def test_escaping_uppercase_and_edited_text():
    assert escape_ass_text("a{b}c") == "a\\{b\\}c"
    assert escape_ass_text("x\\Ny") == "x\\\u2060Ny"
    line = _line([("use", 0.0, 0.5), ("{braces}", 0.5, 1.0), ("back\\N", 1.0, 1.5)])
    for mode in ("none", "color"):
        text = build_ass([line], SubtitleStyle(highlight_mode=mode, uppercase=True), 640, 360)
        for event in pysubs2.SSAFile.from_string(text).events:
            # No user brace opens an override block and no \N from the text survives as a break.
            stripped = re.sub(r"(?<!\\)\{[^}]*\}", "", event.text)
            assert stripped == "USE \\{BRACES\\} BACK\\\u2060N"
    # Text edited after transcription (word count differs): shown as typed, no highlight.
    edited = _line([("helo", 0.0, 0.5), ("wrld", 0.5, 1.0)], text="Hello, big world")
    (event,) = build_ass_file([edited], SubtitleStyle(highlight_mode="color"), 640, 360).events
    assert event.text == "Hello, big world"
    with pytest.raises(InvalidParameterError):
        build_ass([THREE], SubtitleStyle(), 0, 100)


# --- real libass renders ------------------------------------------------------------------------

RED = (255, 0, 0)
WHITE = (255, 255, 255)


def _word_regions(tmp_path, style: SubtitleStyle) -> list[tuple[int, int]]:
    plain = render(
        build_ass([THREE], style.model_copy(update={"highlight_mode": "none"}), W, H), 1.5, tmp_path, name="plain"
    )
    regions = column_clusters(mask_of(plain, WHITE), min_gap=6)
    assert len(regions) == 3, regions
    return regions


def test_color_highlight_is_on_the_spoken_word_in_the_render(tmp_path):
    style = SubtitleStyle(
        font_family="Poppins",
        font_size=110,
        highlight_mode="color",
        text_color="#FFFFFF",
        highlight_color="#FF0000",
        outline_width=3,
        shadow_offset=0,
    )
    regions = _word_regions(tmp_path, style)
    ass = build_ass([THREE], style, W, H)
    unstyled = render(None, 1.5, tmp_path, name="none")
    for k, t in enumerate((0.8, 1.5, 2.2)):
        img = render(ass, t, tmp_path, name="color")
        red = mask_of(img, RED)
        assert red.sum() > 150, f"no highlight pixels at t={t}"
        lo, hi = regions[k]
        cols = np.flatnonzero(red.any(axis=0))
        assert cols.min() >= lo - 2 and cols.max() <= hi + 2, (k, cols.min(), cols.max(), regions)
        assert np.abs(img - unstyled).sum(axis=2)[H // 2 :].astype(bool).sum() > 1000  # subtitle area changed
    outside = render(ass, 3.2, tmp_path, name="color")
    assert not mask_of(outside, RED).any() and np.array_equal(outside, unstyled)


def test_box_highlight_moves_with_the_word_in_the_render(tmp_path):
    style = SubtitleStyle(
        font_family="League Spartan",
        font_size=110,
        highlight_mode="box",
        highlight_color="#00C000",
        text_color="#FFFFFF",
        outline_width=0,
        box_padding=10,
    )
    regions = _word_regions(tmp_path, style)
    ass = build_ass([THREE], style, W, H)
    centres = []
    for k, t in enumerate((0.8, 1.5, 2.2)):
        box = mask_of(render(ass, t, tmp_path, name="box"), (0, 192, 0), tol=30)
        assert box.sum() > 1000
        cols = np.flatnonzero(box.any(axis=0))
        lo, hi = regions[k]
        centre = (cols.min() + cols.max()) / 2
        assert lo <= centre <= hi, (k, centre, regions)
        # the box hugs one word: not wider than that word plus twice the padding (+ AA slack)
        assert cols.max() - cols.min() <= (hi - lo) + 2 * 10 * H / 1080 * 2 + 6
        centres.append(centre)
    assert centres == sorted(centres)


def test_karaoke_fill_sweeps_across_the_line_in_the_render(tmp_path):
    style = SubtitleStyle(
        font_family="Poppins",
        font_size=110,
        highlight_mode="karaoke_fill",
        text_color="#FFFFFF",
        highlight_color="#FF0000",
        outline_width=0,
        shadow_offset=0,
    )
    regions = _word_regions(tmp_path, style)
    ass = build_ass([THREE], style, W, H)
    # Half-way through TWO (1.2-1.7 s): ONE filled, TWO part-filled, THREE still in the text colour.
    img = render(ass, 1.45, tmp_path, name="kf")
    red, white = mask_of(img, RED), mask_of(img, WHITE)
    (one_lo, one_hi), (two_lo, two_hi), (three_lo, three_hi) = regions
    assert red[:, one_lo : one_hi + 1].sum() > 100 and white[:, one_lo : one_hi + 1].sum() < 20
    assert red[:, two_lo : two_hi + 1].sum() > 50 and white[:, two_lo : two_hi + 1].sum() > 50
    assert red[:, three_lo : three_hi + 1].sum() < 20 and white[:, three_lo : three_hi + 1].sum() > 100
    filled_cols = np.flatnonzero(red[:, two_lo : two_hi + 1].any(axis=0))
    assert filled_cols.max() < (two_hi - two_lo)  # the sweep is inside TWO, not past it
    done = mask_of(render(ass, 2.7, tmp_path, name="kf"), WHITE)
    assert done.sum() < 20  # every word filled by the end of the cue


def test_pop_scales_the_active_word_and_word_by_word_shows_one_word(tmp_path):
    pop = SubtitleStyle(
        font_family="Anton",
        bold=False,
        font_size=100,
        highlight_mode="pop",
        pop_scale=1.5,
        text_color="#FFFFFF",
        highlight_color="#FF0000",
        outline_width=0,
    )
    ass = build_ass([THREE], pop, W, H)
    early = mask_of(render(ass, 1.2, tmp_path, name="pop"), RED)  # first frame of TWO: not grown yet
    late = mask_of(render(ass, 1.6, tmp_path, name="pop"), RED)  # grow (110 ms) finished
    height = lambda m: np.ptp(np.flatnonzero(m.any(axis=1)))  # noqa: E731
    assert height(late) > height(early) * 1.3

    wbw = SubtitleStyle(
        font_family="Anton",
        bold=False,
        font_size=100,
        highlight_mode="word_by_word",
        text_color="#FFFFFF",
        outline_width=0,
    )
    ass = build_ass([THREE], wbw, W, H)
    widths = []
    for t in (0.8, 1.5, 2.2):
        visible = column_clusters(mask_of(render(ass, t, tmp_path, name="wbw"), WHITE), min_gap=6)
        assert len(visible) == 1, visible  # exactly one word on screen
        widths.append(visible[0][1] - visible[0][0])
    assert widths[2] > widths[0] and widths[2] > widths[1]  # THREE is the widest word


def test_each_bundled_family_resolves_to_its_own_file(tmp_path, monkeypatch):
    """libass silently falls back when a family is missing, so a family that resolves must
    render differently from a bogus family and from every other bundled family.

    fontconfig is limited to DejaVu for this test: the fallback is then a font we do not
    bundle, and a system copy of a bundled family (Noto Sans here) cannot stand in for ours.
    """
    dejavu = "/usr/share/fonts/truetype/dejavu"
    if not os.path.isdir(dejavu):
        pytest.fail("this test needs DejaVu (Debian fonts-dejavu-core) as a known fallback font")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f"<?xml version='1.0'?><fontconfig><dir>{dejavu}</dir>"
        f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    families = bundled_families()
    used = {p.font_family for p in list_presets()}
    assert used <= set(families)
    line = _line([("Hamburgefonstiv", 0.0, 2.0)])

    def shot(family: str) -> np.ndarray:
        style = SubtitleStyle(
            font_family=family, bold=False, font_size=90, highlight_mode="none", outline_width=0, text_color="#FFFFFF"
        )
        return render(build_ass([line], style, W, H), 1.0, tmp_path, name=re.sub(r"\W", "_", family))

    bogus = shot("No Such Font Family 42")
    shots = {f: shot(f) for f in families}
    for family, img in shots.items():
        assert mask_of(img, WHITE).sum() > 200, family
        assert np.abs(img - bogus).sum() > 10_000, f"{family} fell back to the default font"
    names = list(shots)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not np.array_equal(shots[a], shots[b]), f"{a} and {b} render identically"
    assert (fonts_dir() / "README.md").exists()
    licences = {p.name for p in fonts_dir().glob("LICENSE-*")}
    assert len(licences) >= 8


def test_braces_and_backslashes_are_drawn_literally(tmp_path):
    style = SubtitleStyle(
        font_family="Noto Sans", bold=False, font_size=100, highlight_mode="none", outline_width=0, text_color="#FFFFFF"
    )

    def width(text: str) -> int:
        line = SubtitleLine(start=0.0, end=2.0, text=text)
        img = render(build_ass([line], style, W, H), 1.0, tmp_path, name=f"esc{len(text)}")
        cols = np.flatnonzero(mask_of(img, WHITE, tol=120).any(axis=0))
        return int(cols.max() - cols.min())

    hidden_if_unescaped = width("a{bcdef}g")
    assert hidden_if_unescaped > width("abcdefg")  # braces and their content are on screen
    assert width("a\\Nb") > width("ab")  # a literal backslash-N, not a line break


@pytest.mark.parametrize("size", [(270, 480), (480, 270)], ids=["9x16", "16x9"])
def test_every_preset_renders_inside_the_frame(tmp_path, size):
    lines = style_preview_lines(start=0.2)
    second = lines[0].words[1]
    t = round((second.start + second.end) / 2, 2)
    blank = render(None, t, tmp_path, size=size, name="blank")
    w, h = size
    for style in list_presets():
        img = render(build_ass(lines, style, w, h), t, tmp_path, size=size, name=re.sub(r"\W", "_", style.name))
        changed = np.abs(img - blank).sum(axis=2) > 30
        assert changed.sum() > 0.004 * w * h, f"{style.name}: caption barely visible"
        # Captions are centred and stay clear of the frame edges on both orientations.
        cols = np.flatnonzero(changed.any(axis=0))
        assert cols.min() > 2 and cols.max() < w - 3, (style.name, cols.min(), cols.max())
        centre = (cols.min() + cols.max()) / 2
        assert abs(centre - w / 2) < w * 0.08, (style.name, centre)
