"""Hand the selection to editors: manifest JSON, CSV, CMX3600 EDL and FCPXML 1.9.

Times in EDL and FCPXML are snapped to whole source frames, because both formats
(and the editors reading them) only address frames.
"""

from __future__ import annotations

import csv
import io
import json
import re
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from ..paths import write_text_atomic
from .models import ShortClip

MANIFEST_VERSION = 1


def manifest_dict(input_path: str | Path, clips: list[ShortClip], *, request: dict | None = None) -> dict:
    return {
        "version": MANIFEST_VERSION,
        "input": str(input_path),
        "request": request or {},
        "clips": [
            {
                "id": c.id, "rank": c.rank, "start": round(c.start, 3), "end": round(c.end, 3),
                "duration": round(c.duration, 3), "score": c.score, "reason": c.reason, "title": c.title,
                "text": c.text, "video": c.video_path, "srt": c.srt_path, "ass": c.ass_path,
                "thumbnail": c.thumbnail_path, "features": c.features,
            }
            for c in sorted(clips, key=lambda c: c.rank or 1e9)
        ],
    }


def write_manifest(path: str | Path, input_path: str | Path, clips: list[ShortClip], *,
                   request: dict | None = None) -> Path:
    return write_text_atomic(path, json.dumps(manifest_dict(input_path, clips, request=request),
                                              indent=2, ensure_ascii=False))


def write_csv(path: str | Path, clips: list[ShortClip]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["rank", "id", "start", "end", "duration", "score", "title", "reason", "video", "srt", "thumbnail"])
    for c in sorted(clips, key=lambda c: c.rank or 1e9):
        w.writerow([c.rank, c.id, f"{c.start:.3f}", f"{c.end:.3f}", f"{c.duration:.3f}", c.score, c.title,
                    c.reason, c.video_path or "", c.srt_path or "", c.thumbnail_path or ""])
    return write_text_atomic(path, buf.getvalue())


# --- timecodes -----------------------------------------------------------------------------

def nominal_fps(fps: float) -> int:
    """The timecode base: 29.97 counts in 30-frame timecode (non-drop), 23.976 in 24."""
    return max(1, int(round(fps)))


def frames_at(seconds: float, fps: float) -> int:
    return int(round(seconds * fps))


def timecode(frames: int, fps: float) -> str:
    base = nominal_fps(fps)
    ff = frames % base
    total_seconds = frames // base
    return f"{total_seconds // 3600:02d}:{total_seconds // 60 % 60:02d}:{total_seconds % 60:02d}:{ff:02d}"


def parse_timecode(tc: str, fps: float) -> int:
    hh, mm, ss, ff = (int(x) for x in re.split(r"[:;]", tc))
    return ((hh * 60 + mm) * 60 + ss) * nominal_fps(fps) + ff


def reel_name(input_path: str | Path) -> str:
    """CMX3600 reels are at most 8 characters of A–Z/0–9/_."""
    stem = re.sub(r"[^A-Za-z0-9_]", "", Path(input_path).stem.upper())
    return (stem or "AX")[:8]


def edl_text(input_path: str | Path, clips: list[ShortClip], fps: float, *, title: str = "Reframe shorts",
             record_start_hours: int = 1) -> str:
    base = nominal_fps(fps)
    reel = reel_name(input_path)
    lines = [f"TITLE: {title}", "FCM: NON-DROP FRAME", ""]
    rec = record_start_hours * 3600 * base
    for n, clip in enumerate(sorted(clips, key=lambda c: c.rank or 1e9), 1):
        src_in = frames_at(clip.start, fps)
        src_out = max(src_in + 1, frames_at(clip.end, fps))
        length = src_out - src_in
        lines.append(f"{n:03d}  {reel:<8} AA/V  C        {timecode(src_in, fps)} {timecode(src_out, fps)} "
                     f"{timecode(rec, fps)} {timecode(rec + length, fps)}")
        lines.append(f"* FROM CLIP NAME: {Path(input_path).name}")
        name = clip.title or clip.id
        lines.append(f"* COMMENT: {clip.id} score {clip.score:.0f} - {name}".replace("\n", " "))
        lines.append("")
        rec += length
    return "\n".join(lines)


def write_edl(path: str | Path, input_path: str | Path, clips: list[ShortClip], fps: float) -> Path:
    return write_text_atomic(path, edl_text(input_path, clips, fps))


# --- FCPXML ---------------------------------------------------------------------------------

def frame_duration(fps: float) -> Fraction:
    """Exact frame duration: 29.97 -> 1001/30000, 25 -> 1/25."""
    base = nominal_fps(fps)
    if abs(fps - base * 1000 / 1001) < 0.01:
        return Fraction(1001, base * 1000)
    return Fraction(1, base) if abs(fps - base) < 0.01 else Fraction(1, 1) / Fraction(fps).limit_denominator(1001)


def rational(value: Fraction) -> str:
    value = Fraction(value)
    return f"{value.numerator}s" if value.denominator == 1 else f"{value.numerator}/{value.denominator}s"


def fcpxml_text(input_path: str | Path, clips: list[ShortClip], *, fps: float, width: int, height: int,
                duration: float, has_audio: bool = True, project: str = "Reframe shorts") -> str:
    fd = frame_duration(fps)
    path = Path(input_path).resolve()
    src = "file://" + quote(path.as_posix() if path.as_posix().startswith("/") else "/" + path.as_posix())
    total_frames = int(round(Fraction(duration) / fd)) if duration else 0
    parts = []
    offset = Fraction(0)
    for clip in sorted(clips, key=lambda c: c.rank or 1e9):
        start_f = int(round(Fraction(clip.start) / fd))
        length_f = max(1, int(round(Fraction(clip.end) / fd)) - start_f)
        parts.append(
            f'          <asset-clip ref="r2" name={quoteattr(clip.title or clip.id)} offset="{rational(offset)}" '
            f'start="{rational(start_f * fd)}" duration="{rational(length_f * fd)}" format="r1" tcFormat="NDF">\n'
            f'            <note>{escape(f"score {clip.score:.0f}: {clip.reason}")}</note>\n'
            f'          </asset-clip>'
        )
        offset += length_f * fd
    audio = ' hasAudio="1" audioSources="1" audioChannels="2" audioRate="48000"' if has_audio else ""
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!DOCTYPE fcpxml>",
        '<fcpxml version="1.9">',
        "  <resources>",
        f'    <format id="r1" frameDuration="{rational(fd)}" width="{width}" height="{height}"/>',
        f'    <asset id="r2" name={quoteattr(path.stem)} start="0s" duration="{rational(total_frames * fd)}" '
        f'hasVideo="1" format="r1"{audio}>',
        f'      <media-rep kind="original-media" src={quoteattr(src)}/>',
        "    </asset>",
        "  </resources>",
        "  <library>",
        f"    <event name={quoteattr(project)}>",
        f"      <project name={quoteattr(project + ' - ' + path.stem)}>",
        f'        <sequence format="r1" duration="{rational(offset)}" tcStart="0s" tcFormat="NDF">',
        "          <spine>",
        *parts,
        "          </spine>",
        "        </sequence>",
        "      </project>",
        "    </event>",
        "  </library>",
        "</fcpxml>",
        "",
    ])


def write_fcpxml(path: str | Path, input_path: str | Path, clips: list[ShortClip], **kw) -> Path:
    return write_text_atomic(path, fcpxml_text(input_path, clips, **kw))
