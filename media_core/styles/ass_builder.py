"""Turn subtitle lines + a :class:`SubtitleStyle` into a complete ASS script for libass.

Word highlighting is done with plain ASS features libass renders reliably:

* ``color`` / ``pop`` / ``box`` / ``word_by_word``: the cue is cut into back-to-back
  time slices, one per word (a word stays active until the next one starts, so
  pauses do not blink), and each slice is its own Dialogue event. Slice edges are
  computed in centiseconds, the unit ASS stores, so events never gap or overlap.
* ``box``: an extra layer below the text draws only the active word's opaque box
  (BorderStyle 3, every other word's box made fully transparent with ``\\3a``),
  so the box follows the real glyph layout without measuring text ourselves.
* ``karaoke_fill``: one event per cue with ``\\kf`` sweeps timed to each word.

Sizes are scaled from the style's 1080-px reference with ``min(width, height)``, so
a vertical 1080x1920 short and a 1920x1080 video get the same text size relative to
the narrow side, and vertical margins with the height.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pysubs2

from ..errors import InvalidParameterError
from ..models import SubtitleLine, Word
from . import fonts
from .safe_areas import caption_margins
from .style import REFERENCE_HEIGHT, SubtitleStyle, parse_color

MAIN_STYLE = "Main"
BOX_STYLE = "LineBox"
WORD_BOX_STYLE = "WordBox"
#: Layers: whole-line box at the bottom, the active word's box above it, text on top.
LAYER_LINE_BOX, LAYER_WORD_BOX, LAYER_TEXT = 0, 1, 2
#: How long the ``pop`` grow animation takes (ms), capped by the word's slice.
POP_GROW_MS = 110
WORD_JOINER = "\u2060"


# --- colours and text ------------------------------------------------------------------


def ass_color(value: str) -> pysubs2.Color:
    r, g, b, opacity = parse_color(value)
    return pysubs2.Color(r, g, b, 255 - opacity)


def _color_tag(value: str, which: int = 1) -> str:
    r, g, b, opacity = parse_color(value)
    return f"\\{which}c&H{b:02X}{g:02X}{r:02X}&\\{which}a&H{255 - opacity:02X}&"


def escape_ass_text(text: str) -> str:
    """Make user text literal for libass: braces would start override blocks and
    ``\\N``/``\\n``/``\\h`` would become breaks, so braces are escaped and every
    backslash is followed by an invisible word joiner."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = text.replace("\\", "\\" + WORD_JOINER)
    return text.replace("{", "\\{").replace("}", "\\}")


# --- laying cues out --------------------------------------------------------------------


@dataclass
class _Token:
    text: str
    start: float
    end: float
    #: What separates it from the previous token of its row: a space, or nothing in
    #: scripts written without spaces (Chinese, Japanese, Thai).
    sep: str = " "


@dataclass
class _Cue:
    start: float
    end: float
    #: Rows of timed tokens; empty when the cue has no usable word timings.
    rows: list[list[_Token]] = field(default_factory=list)
    #: Rows of text for cues without word timings.
    plain_rows: list[str] = field(default_factory=list)
    speaker: str | None = None

    @property
    def tokens(self) -> list[_Token]:
        return [t for row in self.rows for t in row]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _timed_tokens(line: SubtitleLine, style: SubtitleStyle) -> list[list[_Token]] | None:
    """Rows of tokens whose text comes from the line (so user edits show) and whose
    times come from its words; ``None`` when the two cannot be matched one-to-one."""
    words: list[Word] = [w for w in line.words if w.text.strip()]
    if not words:
        return None
    text_rows = [row for row in line.text.split("\n") if row.strip()]
    cells: list[list[tuple[str, str]]] | None
    if sum(len(row.split()) for row in text_rows) == len(words):
        cells = [[(" ", text) for text in row.split()] for row in text_rows]
    else:
        cells = _cells_without_spaces(text_rows, words)
    if cells is None:
        return None
    out: list[list[_Token]] = []
    i = 0
    for row in cells:
        tokens = []
        for sep, text in row:
            w = words[i]
            i += 1
            start = min(max(w.start, line.start), line.end)
            end = min(max(w.end, start), line.end)
            tokens.append(_Token(text.upper() if style.uppercase else text, start, end, sep))
        out.append(tokens)
    return out


def _cells_without_spaces(text_rows: list[str], words: list[Word]) -> list[list[tuple[str, str]]] | None:
    """Cut each row where the words' own text ends, for scripts that do not put spaces
    between words (Whisper gives CJK text a word per character or two): ``(sep, text)``
    cells, or ``None`` when the words do not spell the text (a user edited it)."""
    out: list[list[tuple[str, str]]] = []
    k = 0
    for row in text_rows:
        cells: list[tuple[str, str]] = []
        pos = 0
        while pos < len(row):
            stripped = len(row) - len(row[pos:].lstrip())
            if stripped == len(row):
                break
            sep = " " if stripped > pos else ""
            pos = stripped
            if k >= len(words):
                return None
            target = words[k].text.strip()
            if not row.startswith(target, pos):
                return None
            cells.append((sep, row[pos : pos + len(target)]))
            pos += len(target)
            k += 1
        out.append(cells)
    return out if k == len(words) else None


def layout_cues(lines: list[SubtitleLine], style: SubtitleStyle) -> list[_Cue]:
    """Apply ``max_words_per_line`` / ``max_lines``: rows are rebuilt from the words and
    a cue with more rows than allowed continues as a new cue at its next word's start."""
    cues: list[_Cue] = []
    for line in lines:
        rows = _timed_tokens(line, style)
        if rows is None:
            text = line.text.upper() if style.uppercase else line.text
            plain = [r.strip() for r in text.split("\n") if r.strip()]
            if plain and line.end > line.start:
                cues.append(_Cue(line.start, line.end, plain_rows=plain, speaker=line.speaker))
            continue
        if style.max_words_per_line:
            tokens = [t for row in rows for t in row]
            rows = _chunks(tokens, style.max_words_per_line)
        groups = _chunks(rows, style.max_lines) if style.max_words_per_line else [rows]
        for k, group in enumerate(groups):
            start = line.start if k == 0 else group[0][0].start
            end = line.end if k == len(groups) - 1 else groups[k + 1][0][0].start
            if end > start:
                cues.append(_Cue(start, end, rows=group, speaker=line.speaker))
    return cues


def _cs(seconds: float) -> int:
    return round(seconds * 100)


def word_slices(cue: _Cue) -> list[tuple[int, int, int]]:
    """``(token index, start cs, end cs)`` covering the cue back to back.

    The first word is active from the cue start, each word until the next one
    starts, the last until the cue ends. A word whose slice rounds to nothing is
    skipped rather than shown for zero time.
    """
    tokens = cue.tokens
    start_cs, end_cs = _cs(cue.start), _cs(cue.end)
    bounds = [start_cs]
    for tok in tokens[1:]:
        bounds.append(min(max(bounds[-1], _cs(tok.start)), end_cs))
    bounds.append(end_cs)
    return [(i, bounds[i], bounds[i + 1]) for i in range(len(tokens)) if bounds[i + 1] > bounds[i]]


# --- styles -------------------------------------------------------------------------------


def _alignment(style: SubtitleStyle) -> int:
    base = {"bottom": 1, "middle": 4, "top": 7}[style.position]
    return base + {"left": 0, "center": 1, "right": 2}[style.alignment]


def effective_bold(style: SubtitleStyle) -> bool:
    """Heavy display faces (Anton, Archivo Black, Poppins Black…) ship without a bold
    face; asking libass for bold would smear them with synthetic emboldening."""
    if style.bold and fonts.is_family_available(style.font_family):
        return fonts.has_bold_face(style.font_family)
    return style.bold


def _margins(style: SubtitleStyle, width: int, height: int, scale: float, vscale: float) -> dict[str, int]:
    """The style's margins, widened to keep the captions inside a chosen platform's safe area."""
    boxed = style.background_box or style.highlight_mode == "box"
    paint = max(style.outline_width, style.box_padding if boxed else 0) + style.shadow_offset
    if style.highlight_mode == "pop":  # the active word grows past the line's layout
        paint += (style.pop_scale - 1) * style.font_size
    reach = paint * scale + 2
    left, right, vertical = caption_margins(
        style.safe_area,
        width,
        height,
        position=style.position,
        left=round(style.margin_h * scale),
        right=round(style.margin_h * scale),
        vertical=round(style.margin_v * vscale),
        reach=round(reach),
    )
    return {"marginl": left, "marginr": right, "marginv": vertical}


def _ass_styles(style: SubtitleStyle, width: int, height: int) -> dict[str, pysubs2.SSAStyle]:
    scale = min(width, height) / REFERENCE_HEIGHT
    vscale = height / REFERENCE_HEIGHT
    common: dict[str, Any] = {
        "fontname": style.font_family,
        "fontsize": round(style.font_size * scale, 1),
        "bold": effective_bold(style),
        "alignment": pysubs2.Alignment(_alignment(style)),
        **_margins(style, width, height, scale, vscale),
        "encoding": 1,
    }
    karaoke = style.highlight_mode == "karaoke_fill"
    main = pysubs2.SSAStyle(
        **common,
        # \kf sweeps from the secondary colour to the primary one.
        primarycolor=ass_color(style.highlight_color if karaoke else style.text_color),
        secondarycolor=ass_color(style.text_color if karaoke else style.highlight_color),
        outlinecolor=ass_color(style.outline_color),
        tertiarycolor=ass_color(style.outline_color),
        backcolor=ass_color(style.shadow_color),
        borderstyle=1,
        outline=round(style.outline_width * scale, 2),
        shadow=round(style.shadow_offset * scale, 2),
    )
    invisible = pysubs2.Color(0, 0, 0, 255)
    styles = {MAIN_STYLE: main}
    if style.background_box:
        styles[BOX_STYLE] = pysubs2.SSAStyle(
            **common,
            primarycolor=invisible,
            secondarycolor=invisible,
            outlinecolor=ass_color(style.box_color),
            tertiarycolor=ass_color(style.box_color),
            backcolor=invisible,
            borderstyle=3,
            outline=round(style.box_padding * scale, 2),
            shadow=0,
        )
    if style.highlight_mode == "box":
        styles[WORD_BOX_STYLE] = pysubs2.SSAStyle(
            **common,
            primarycolor=invisible,
            secondarycolor=invisible,
            outlinecolor=ass_color(style.highlight_color),
            tertiarycolor=ass_color(style.highlight_color),
            backcolor=invisible,
            borderstyle=3,
            outline=round(max(style.box_padding * 0.6, 2) * scale, 2),
            shadow=0,
        )
    return styles


# --- event text -----------------------------------------------------------------------------


def _join_cells(cells: list[tuple[str, str]]) -> str:
    """``(sep, text)`` cells as one row: separators between cells, none before the first."""
    return "".join((sep if k else "") + text for k, (sep, text) in enumerate(cells))


def _join_rows(rows: list[list[tuple[str, str]]]) -> str:
    return "\\N".join(_join_cells(row) for row in rows)


def _render_rows(cue: _Cue, fmt) -> str:
    """Text of ``cue`` with ``fmt(index, escaped_token)`` applied to every token."""
    out, i = [], 0
    for row in cue.rows:
        cells = []
        for tok in row:
            cells.append((tok.sep, fmt(i, escape_ass_text(tok.text))))
            i += 1
        out.append(cells)
    return _join_rows(out)


def _plain_text(cue: _Cue) -> str:
    if cue.rows:
        return _render_rows(cue, lambda i, t: t)
    return "\\N".join(escape_ass_text(r) for r in cue.plain_rows)


def _event(start_cs: int, end_cs: int, text: str, style: str = MAIN_STYLE, layer: int = LAYER_TEXT) -> pysubs2.SSAEvent:
    return pysubs2.SSAEvent(start=start_cs * 10, end=end_cs * 10, text=text, style=style, layer=layer)


def _cue_events(cue: _Cue, style: SubtitleStyle) -> list[pysubs2.SSAEvent]:
    start_cs, end_cs = _cs(cue.start), _cs(cue.end)
    if end_cs <= start_cs:
        return []
    events: list[pysubs2.SSAEvent] = []
    mode = style.highlight_mode if cue.rows else "none"
    hl = _color_tag(style.highlight_color)
    base = _color_tag(style.text_color)

    if style.background_box and mode != "word_by_word":
        events.append(_event(start_cs, end_cs, _plain_text(cue), BOX_STYLE, LAYER_LINE_BOX))

    if mode == "none":
        events.append(_event(start_cs, end_cs, _plain_text(cue)))
    elif mode == "color":
        for idx, s, e in word_slices(cue):
            text = _render_rows(cue, lambda i, t, idx=idx: f"{{{hl}}}{t}{{{base}}}" if i == idx else t)
            events.append(_event(s, e, text))
    elif mode == "box":
        box_a = parse_color(style.highlight_color)[3]
        shown, hidden = f"{{\\3a&H{255 - box_a:02X}&}}", "{\\3a&HFF&}"
        events.append(_event(start_cs, end_cs, _plain_text(cue)))
        for idx, s, e in word_slices(cue):
            # Hidden again right after the word, so the box does not run into the space.
            text = hidden + _render_rows(cue, lambda i, t, idx=idx: f"{shown}{t}{hidden}" if i == idx else t)
            events.append(_event(s, e, text, WORD_BOX_STYLE, LAYER_WORD_BOX))
    elif mode == "pop":
        p = round(style.pop_scale * 100)
        for idx, s, e in word_slices(cue):
            grow = min(POP_GROW_MS, (e - s) * 10)
            text = _render_rows(
                cue,
                lambda i, t, idx=idx, grow=grow: (
                    (f"{{{hl}\\fscx100\\fscy100\\t(0,{grow},\\fscx{p}\\fscy{p})}}{t}{{{base}\\fscx100\\fscy100}}")
                    if i == idx
                    else t
                ),
            )
            events.append(_event(s, e, text))
    elif mode == "karaoke_fill":
        events.append(_event(start_cs, end_cs, _karaoke_text(cue)))
    elif mode == "word_by_word":
        tokens = cue.tokens
        k = style.words_per_group
        for idx, s, e in word_slices(cue):
            group_start = (idx // k) * k
            group = list(range(group_start, min(group_start + k, len(tokens))))
            cells = []
            for i in group:
                t = escape_ass_text(tokens[i].text)
                cells.append((tokens[i].sep, f"{{{hl}}}{t}{{{base}}}" if (i == idx and k > 1) else t))
            if style.background_box:
                events.append(
                    _event(
                        s,
                        e,
                        _join_cells([(tokens[i].sep, escape_ass_text(tokens[i].text)) for i in group]),
                        BOX_STYLE,
                        LAYER_LINE_BOX,
                    )
                )
            events.append(_event(s, e, _join_cells(cells)))
    return events


def _karaoke_text(cue: _Cue) -> str:
    """``\\kf`` per word timed start..end, with silent ``\\k`` syllables for the pauses.

    Durations come from cumulative centisecond positions so rounding never drifts.
    """
    start_cs, end_cs = _cs(cue.start), _cs(cue.end)
    cursor = start_cs
    out_rows: list[list[tuple[str, str]]] = []
    for row in cue.rows:
        cells = []
        for tok in row:
            w_start = min(max(_cs(tok.start), cursor), end_cs)
            w_end = min(max(_cs(tok.end), w_start), end_cs)
            prefix = f"{{\\k{w_start - cursor}}}" if w_start > cursor else ""
            cells.append((tok.sep, f"{prefix}{{\\kf{w_end - w_start}}}{escape_ass_text(tok.text)}"))
            cursor = w_end
        out_rows.append(cells)
    return _join_rows(out_rows)


# --- public --------------------------------------------------------------------------------------


def build_ass_file(lines: list[SubtitleLine], style: SubtitleStyle, width: int, height: int) -> pysubs2.SSAFile:
    if not isinstance(width, int) or not isinstance(height, int) or width < 16 or height < 16:
        raise InvalidParameterError(f"The output size {width}x{height} is not valid for subtitles.")
    subs = pysubs2.SSAFile()
    subs.info.update(
        {
            "Title": f"Reframe - {style.name}",
            "PlayResX": str(width),
            "PlayResY": str(height),
            # 0 = smart wrapping: rows we built stay intact, over-long ones still fit the frame.
            "WrapStyle": "0",
            "ScaledBorderAndShadow": "yes",
            # "None": colours are exact RGB; a TV.* matrix makes ffmpeg squeeze them into 16-235.
            "YCbCr Matrix": "None",
        }
    )
    subs.styles = _ass_styles(style, width, height)
    voices = speaker_styles(lines, style)
    for cue in layout_cues(lines, style):
        voice = voices.get(cue.speaker or "")
        if voice is None:
            subs.events.extend(_cue_events(cue, style))
            continue
        # The speaker's own text colour: its own copy of the main style, and the colour the
        # highlight modes return to after a word.
        name = f"{MAIN_STYLE} - {cue.speaker}".replace(",", " ")
        subs.styles.setdefault(name, _ass_styles(voice, width, height)[MAIN_STYLE])
        for event in _cue_events(cue, voice):
            if event.style == MAIN_STYLE:
                event.style = name
            subs.events.append(event)
    return subs


#: Text colours for the second, third, … speaker (the first keeps the style's own colour).
SPEAKER_TEXT_COLORS = ("#FFE14D", "#5CE1FF", "#8CFF78", "#FF8CC8", "#FFA03C", "#BEA0FF", "#A0FFE6")


def speaker_styles(lines: list[SubtitleLine], style: SubtitleStyle) -> dict[str, SubtitleStyle]:
    """``{speaker: style with that speaker's text colour}`` when two or more people speak.

    The first speaker keeps the preset's colour; the others get distinct colours, skipping any
    equal to the preset's text or highlight colour so a speaker never looks highlighted.
    """
    speakers: list[str] = []
    for line in sorted(lines, key=lambda ln: ln.start):
        if line.speaker and line.speaker not in speakers:
            speakers.append(line.speaker)
    if len(speakers) < 2:
        return {}
    taken = {style.text_color.upper()[:7], style.highlight_color.upper()[:7]}
    palette = [c for c in SPEAKER_TEXT_COLORS if c not in taken]
    return {
        speaker: style.model_copy(update={"text_color": palette[(k - 1) % len(palette)]})
        for k, speaker in enumerate(speakers)
        if k > 0
    }


def build_ass(lines: list[SubtitleLine], style: SubtitleStyle, width: int, height: int) -> str:
    """A complete ASS script for an output of ``width`` x ``height`` pixels."""
    return build_ass_file(lines, style, width, height).to_string("ass")


def style_preview_lines(start: float = 0.0, word_seconds: float = 0.45) -> list[SubtitleLine]:
    """Sample captions with word timings, for style previews and screenshots."""
    texts = ["Make every word pop", "right on your screen"]
    lines = []
    t = start
    for text in texts:
        words = []
        for w in text.split():
            words.append(Word(text=w, start=round(t, 3), end=round(t + word_seconds * 0.85, 3)))
            t += word_seconds
        lines.append(SubtitleLine(start=words[0].start, end=round(t, 3), text=text, words=words))
    return lines
