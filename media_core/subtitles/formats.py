"""Write subtitle lines as SRT, VTT, ASS, TXT or word-level JSON; read SRT/VTT/ASS/JSON back.

Subtitle formats go through pysubs2 (it knows each format's escaping and time
rules); every file is written atomically so a cancelled job leaves nothing behind.
The ASS written here is deliberately plain (one readable default style): styled,
word-highlighting ASS is ``media_core.styles.build_ass``.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable
from pathlib import Path

from .. import __version__
from ..errors import InvalidParameterError, SubtitleFormatError
from ..models import Segment, SubtitleLine, Transcript, Word
from ..paths import write_text_atomic
from .text import join_words

#: Caption and transcript formats; RTTM (speaker turns only) is written on request.
SUBTITLE_FORMATS = ("srt", "vtt", "ass", "txt", "json")
FORMATS = (*SUBTITLE_FORMATS, "rttm")
_SUFFIX_FORMATS = {
    ".srt": "srt",
    ".vtt": "vtt",
    ".ass": "ass",
    ".ssa": "ass",
    ".txt": "txt",
    ".json": "json",
    ".rttm": "rttm",
}
#: How SRT/VTT show who speaks: ``[Ana] Hello``, ``Ana: Hello`` or not at all.
SPEAKER_PREFIXES = ("brackets", "colon", "none")
#: Distinct, readable caption colours (RGB) for up to eight speakers, then repeated.
SPEAKER_COLOURS = (
    (255, 255, 255),
    (255, 221, 0),
    (0, 221, 255),
    (140, 255, 120),
    (255, 140, 200),
    (255, 160, 60),
    (190, 160, 255),
    (160, 255, 230),
)
#: A pause at least this long starts a new paragraph in the TXT transcript.
PARAGRAPH_GAP = 2.0
JSON_SCHEMA = "reframe.transcript/1"


def format_for_path(path: str | os.PathLike) -> str:
    fmt = _SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InvalidParameterError(
            f"Cannot tell the subtitle format of {Path(path).name}: use .srt, .vtt, .ass, .txt or .json."
        )
    return fmt


def speaker_prefix(speaker: str | None, style: str) -> str:
    if not speaker or style == "none":
        return ""
    return f"[{speaker}] " if style == "brackets" else f"{speaker}: "


def line_speakers(lines: list[SubtitleLine]) -> list[str]:
    """Speakers of the lines in order of first appearance."""
    seen: list[str] = []
    for line in sorted(lines, key=lambda ln: ln.start):
        if line.speaker and line.speaker not in seen:
            seen.append(line.speaker)
    return seen


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


# -- SRT / VTT / ASS ------------------------------------------------------------------------------


def _ass_escape(text: str) -> str:
    # Braces open override blocks in ASS and there is no portable escape for them
    # (readers strip "{...}" as tags), so spoken-text braces become parentheses.
    return text.replace("{", "(").replace("}", ")").replace("\n", "\\N")


def _ssa_file(lines: list[SubtitleLine], fmt: str, width: int = 1920, height: int = 1080, speaker_style: str = "none"):
    import pysubs2

    subs = pysubs2.SSAFile()
    if fmt == "ass":
        subs.info.update(
            {
                "Title": "Reframe captions",
                "PlayResX": str(width),
                "PlayResY": str(height),
                "WrapStyle": "0",
                "ScaledBorderAndShadow": "yes",
            }
        )
        style = pysubs2.SSAStyle(
            fontname="Noto Sans",
            fontsize=round(height * 0.055),
            bold=True,
            primarycolor=pysubs2.Color(255, 255, 255, 0),
            outlinecolor=pysubs2.Color(0, 0, 0, 0),
            backcolor=pysubs2.Color(0, 0, 0, 128),
            outline=max(1, round(height / 360)),
            shadow=0,
            alignment=pysubs2.Alignment.BOTTOM_CENTER,
            marginl=round(width * 0.05),
            marginr=round(width * 0.05),
            marginv=round(height * 0.06),
        )
        subs.styles["Default"] = style
        # One style per speaker (same look, its own colour), named after the speaker.
        for index, speaker in enumerate(line_speakers(lines)):
            styled = style.copy()
            styled.primarycolor = pysubs2.Color(*SPEAKER_COLOURS[index % len(SPEAKER_COLOURS)], 0)
            subs.styles[_ass_style_name(speaker)] = styled
    for line in sorted(lines, key=lambda ln: (ln.start, ln.end)):
        if fmt == "ass":
            text = _ass_escape(line.text)
        else:
            # SRT/VTT: rows are "\N" for pysubs2; VTT also needs &, < and > escaped.
            text = speaker_prefix(line.speaker, speaker_style) + line.text
            text = html.escape(text, quote=False) if fmt == "vtt" else text
            text = text.replace("\n", "\\N")
        subs.append(
            pysubs2.SSAEvent(
                start=_ms(line.start),
                end=_ms(max(line.end, line.start)),
                text=text,
                name=line.speaker or "",
                style=_ass_style_name(line.speaker) if fmt == "ass" and line.speaker else "Default",
            )
        )
    return subs


def _ass_style_name(speaker: str) -> str:
    # Commas separate fields in an ASS file, so they cannot appear in a style name.
    name = speaker.replace(",", " ").strip() or "Speaker"
    return f"{name} (speaker)" if name == "Default" else name


def subtitles_to_string(
    lines: list[SubtitleLine],
    fmt: str,
    transcript: Transcript | None = None,
    *,
    paragraph_gap: float = PARAGRAPH_GAP,
    speaker_labels: bool = True,
    speaker_style: str = "none",
) -> str:
    """The file content for ``fmt`` (srt, vtt, ass, txt, json, rttm).

    ``speaker_style`` (``brackets``, ``colon``, ``none``) prefixes SRT/VTT cues with their speaker.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt in ("srt", "vtt", "ass"):
        text = _ssa_file(lines, fmt, speaker_style=speaker_style).to_string(fmt)
        return text
    if fmt == "rttm":
        return rttm_string(speaker_turns(lines, transcript))
    if fmt == "txt":
        return transcript_text(lines, transcript, paragraph_gap=paragraph_gap, speaker_labels=speaker_labels)
    if fmt == "json":
        return json.dumps(transcript_json(lines, transcript), ensure_ascii=False, indent=1) + "\n"
    raise InvalidParameterError(f'Unknown subtitle format "{fmt}": choose from {", ".join(FORMATS)}.')


def write_subtitles(
    lines: list[SubtitleLine],
    path: str | os.PathLike,
    fmt: str | None = None,
    transcript: Transcript | None = None,
    *,
    paragraph_gap: float = PARAGRAPH_GAP,
    speaker_labels: bool = True,
    speaker_style: str = "none",
) -> Path:
    """Write ``lines`` to ``path`` atomically as ``fmt`` (default: from the extension); returns the path.

    ``transcript`` gives the TXT and JSON exports the full word list, language and
    metadata; without it they are built from the lines' own words.
    """
    path = Path(path)
    fmt = (fmt or format_for_path(path)).lower().lstrip(".")
    content = subtitles_to_string(
        lines, fmt, transcript, paragraph_gap=paragraph_gap, speaker_labels=speaker_labels, speaker_style=speaker_style
    )
    return write_text_atomic(path, content)


# -- TXT ------------------------------------------------------------------------------------------


def _words_of(lines: list[SubtitleLine], transcript: Transcript | None) -> list[Word]:
    if transcript is not None and transcript.words:
        return transcript.words
    return [w for line in lines for w in line.words]


def transcript_text(
    lines: list[SubtitleLine],
    transcript: Transcript | None = None,
    *,
    paragraph_gap: float = PARAGRAPH_GAP,
    speaker_labels: bool = True,
) -> str:
    """Plain transcript: one paragraph per stretch of speech (a pause ≥ ``paragraph_gap`` or a new
    speaker starts the next), each paragraph on one line, blank lines between them."""
    words = _words_of(lines, transcript)
    paragraphs: list[tuple[str | None, list[str]]] = []
    if words:
        prev: Word | None = None
        for w in words:
            new = prev is None or w.start - prev.end >= paragraph_gap or (w.speaker != prev.speaker)
            if new:
                paragraphs.append((w.speaker, []))
            paragraphs[-1][1].append(w.text)
            prev = w
    else:  # lines without words (read back from an SRT): paragraphs from the gaps between cues
        prev_line: SubtitleLine | None = None
        for line in lines:
            if prev_line is None or line.start - prev_line.end >= paragraph_gap or line.speaker != prev_line.speaker:
                paragraphs.append((line.speaker, []))
            paragraphs[-1][1].extend(line.text.split("\n"))
            prev_line = line
    label = speaker_labels and any(speaker for speaker, _ in paragraphs)
    out = []
    for speaker, texts in paragraphs:
        body = join_words(texts)
        out.append(f"{speaker or 'Unknown'}: {body}" if label else body)
    return "\n\n".join(out) + ("\n" if out else "")


# -- JSON -----------------------------------------------------------------------------------------


def _word_json(w: Word) -> dict:
    item = {
        "text": w.text,
        "start": round(w.start, 3),
        "end": round(w.end, 3),
        "probability": round(float(w.probability), 4),
    }
    if w.speaker is not None:
        item["speaker"] = w.speaker
    return item


def _span_json(start: float, end: float, text: str, words: Iterable[Word], speaker: str | None) -> dict:
    item = {"start": round(start, 3), "end": round(end, 3), "text": text, "words": [_word_json(w) for w in words]}
    if speaker is not None:
        item["speaker"] = speaker
    return item


def transcript_json(lines: list[SubtitleLine], transcript: Transcript | None = None) -> dict:
    """Word-level JSON. The top level (language, duration, segments, meta) loads as a
    :class:`~media_core.models.Transcript`; ``lines`` holds the subtitle cues with their words."""
    if transcript is None:
        segments = [
            Segment(start=ln.start, end=ln.end, text=" ".join(ln.text.split("\n")), words=ln.words, speaker=ln.speaker)
            for ln in lines
        ]
        duration = max((ln.end for ln in lines), default=0.0)
        transcript = Transcript(language="und", duration=duration, segments=segments)
    meta = dict(transcript.meta)
    meta.setdefault("generator", f"Reframe {__version__}")
    return {
        "schema": JSON_SCHEMA,
        "language": transcript.language,
        "duration": round(transcript.duration, 3),
        "text": transcript.text,
        "segments": [_span_json(s.start, s.end, s.text.strip(), s.words, s.speaker) for s in transcript.segments],
        "lines": [_span_json(ln.start, ln.end, ln.text, ln.words, ln.speaker) for ln in lines],
        "speakers": line_speakers(lines) or sorted({w.speaker for w in transcript.words if w.speaker}),
        "turns": speaker_turns(lines, transcript),
        "meta": meta,
    }


# -- RTTM (speaker turns) ---------------------------------------------------------------------


def speaker_turns(lines: list[SubtitleLine], transcript: Transcript | None = None) -> list[dict]:
    """``[{start, end, speaker}]``: the diarization's own turns when the transcript kept them,
    else runs of consecutive words (or lines) with the same speaker."""
    if transcript is not None and transcript.meta.get("speaker_turns"):
        return [dict(turn) for turn in transcript.meta["speaker_turns"]]
    spans = [(w.start, w.end, w.speaker) for w in _words_of(lines, transcript)] or [
        (ln.start, ln.end, ln.speaker) for ln in lines
    ]
    turns: list[dict] = []
    for start, end, speaker in spans:
        if not speaker:
            continue
        if turns and turns[-1]["speaker"] == speaker:
            turns[-1]["end"] = round(max(turns[-1]["end"], end), 3)
        else:
            turns.append({"start": round(start, 3), "end": round(end, 3), "speaker": speaker})
    return turns


def rttm_string(turns: list[dict], file_id: str = "audio") -> str:
    """NIST RTTM: one ``SPEAKER`` line per turn (spaces in names become underscores)."""
    out = []
    for turn in sorted(turns, key=lambda t: (t["start"], t["end"])):
        name = "_".join(str(turn["speaker"]).split()) or "unknown"
        duration = max(0.0, turn["end"] - turn["start"])
        out.append(f"SPEAKER {file_id} 1 {turn['start']:.3f} {duration:.3f} <NA> <NA> {name} <NA> <NA>")
    return "\n".join(out) + ("\n" if out else "")


# -- reading --------------------------------------------------------------------------------------


def _read_json(path: Path, raw: str) -> list[SubtitleLine]:
    try:
        data = json.loads(raw)
        spans = data.get("lines") if isinstance(data, dict) else None
        if spans is None and isinstance(data, dict):
            spans = data.get("segments")
        if not isinstance(spans, list):
            raise ValueError("no 'lines' or 'segments' list")
        return [
            SubtitleLine(
                start=float(s["start"]),
                end=float(s["end"]),
                text=str(s.get("text", "")).strip(),
                words=[Word(**w) for w in s.get("words", [])],
                speaker=s.get("speaker"),
            )
            for s in spans
        ]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SubtitleFormatError(f"{path.name} is not a Reframe transcript JSON file.", detail=repr(exc)) from exc


def read_subtitles(path: str | os.PathLike) -> list[SubtitleLine]:
    """Cues of an SRT, VTT, ASS/SSA file (or a Reframe JSON) as SubtitleLines, in time order.

    ASS override tags are dropped from the text and ``\\N`` becomes ``\\n``; comment
    events are skipped. Unreadable or empty-of-cues files raise SubtitleFormatError.
    """
    import pysubs2

    from .encoding import read_subtitle_text

    path = Path(path)
    raw, _ = read_subtitle_text(path)
    if path.suffix.lower() == ".json" or raw.lstrip().startswith("{"):
        return _read_json(path, raw)
    try:
        subs = pysubs2.SSAFile.from_string(raw)
        fmt = subs.format
    except Exception as exc:  # pysubs2 raises several types for unknown or garbled content
        raise SubtitleFormatError(
            f"{path.name} is not a subtitle file Reframe can read (SRT, VTT, ASS).", detail=repr(exc)
        ) from exc
    lines = []
    for ev in subs.events:
        if ev.is_comment:
            continue
        text = ev.plaintext.strip()
        if fmt == "vtt":
            text = html.unescape(text)
        lines.append(
            SubtitleLine(start=ev.start / 1000, end=max(ev.start, ev.end) / 1000, text=text, speaker=ev.name or None)
        )
    if not lines:
        raise SubtitleFormatError(f"{path.name} contains no subtitle cues.")
    return sorted(lines, key=lambda ln: (ln.start, ln.end))
