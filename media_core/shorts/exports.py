"""Hand the selection to editors: manifest JSON, CSV, CMX3600 EDL and FCPXML 1.9.

The manifest is read and written here only, as typed models (:class:`ShortsManifest`,
:class:`ManifestClip`); keys other tools add (translated titles…) are kept.

Times in EDL and FCPXML are snapped to whole source frames, because both formats
(and the editors reading them) only address frames.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from pydantic import BaseModel, ConfigDict, Field

from ..errors import InputNotFoundError, InvalidParameterError
from ..paths import write_text_atomic
from ..styles.style import SubtitleStyle
from .models import ShortClip

#: 2 added the transcript, the source's timing facts and the clips' word indices, so a run can
#: be edited (re-render, remove, export) from its manifest alone.
MANIFEST_VERSION = 2

#: Manifest key -> ShortClip field, for the per-clip files.
_FILE_KEYS = {"video": "video_path", "srt": "srt_path", "ass": "ass_path", "thumbnail": "thumbnail_path"}
#: The clip fields a title translation reads.
TEXT_FIELDS = ("title", "text")


class SourceInfo(BaseModel):
    """What the EDL/FCPXML need to know about the input, kept so exports can be rewritten later."""

    fps: float = 25.0
    width: int = 1920
    height: int = 1080
    duration: float = 0.0
    has_audio: bool = True


class ClipText(BaseModel):
    """A clip's title and description in one language."""

    model_config = ConfigDict(extra="allow")

    title: str = ""
    text: str = ""


class ManifestClip(BaseModel):
    """One entry of the manifest's ``clips``, with the keys as written (files under short names).

    Keys another tool added are kept (``extra="allow"``). Dumped with ``exclude_unset``, an entry
    read from a file is written back with exactly the keys it had (a version-1 entry gains none)."""

    model_config = ConfigDict(extra="allow")

    id: str = ""
    rank: int = 0
    start: float
    end: float
    duration: float | None = None
    score: float = 0.0
    reason: str = ""
    title: str = ""
    text: str = ""
    #: Index of the first and last transcript word inside the clip (version 2).
    first_word: int = 0
    last_word: int = 0
    video: str | None = None
    srt: str | None = None
    ass: str | None = None
    thumbnail: str | None = None
    features: dict[str, float] = Field(default_factory=dict)
    #: Language -> translated title and text (media_core.translation.shorts_manifest). They
    #: describe this title/text: a rewrite keeps them only while those are unchanged.
    translations: dict[str, ClipText] | None = None
    #: The caption style the clip was rendered with (its own override or the run's preset).
    style: SubtitleStyle | None = None

    @classmethod
    def of(cls, clip: ShortClip) -> ManifestClip:
        return cls(
            id=clip.id,
            rank=clip.rank,
            start=round(clip.start, 3),
            end=round(clip.end, 3),
            duration=round(clip.duration, 3),
            score=clip.score,
            reason=clip.reason,
            title=clip.title,
            text=clip.text,
            first_word=clip.first_word,
            last_word=clip.last_word,
            video=clip.video_path,
            srt=clip.srt_path,
            ass=clip.ass_path,
            thumbnail=clip.thumbnail_path,
            features=clip.features,
            style=clip.style,
        )

    def short_clip(self) -> ShortClip:
        data = {name: getattr(self, name) for name in ShortClip.model_fields if name in type(self).model_fields}
        data.update({field: getattr(self, key) for key, field in _FILE_KEYS.items()})
        return ShortClip(**data)

    def entry(self) -> dict[str, Any]:
        """The JSON object written for this clip."""
        data = self.model_dump(mode="json", exclude_unset=True)
        if self.style is not None:
            # Every field of the style, not only those its preset file set: the manifest says
            # exactly how the clip looks, and two equal looks compare equal.
            data["style"] = self.style.model_dump(mode="json")
        return data


#: Keys of a clip entry this module writes; anything else was added by another tool.
CLIP_KEYS = frozenset(ManifestClip.model_fields) - {"translations"}


class ShortsManifest(BaseModel):
    # Other tools add their own keys (e.g. translation_info): kept, and written back on every edit.
    model_config = ConfigDict(extra="allow")

    version: int = MANIFEST_VERSION
    input: str
    request: dict = Field(default_factory=dict)
    #: The cached transcript the clips were cut from (for adjusting clips on the transcript).
    transcript: str | None = None
    source: SourceInfo | None = None
    scorer: str | None = None
    clips: list[ManifestClip] = Field(default_factory=list)

    def short_clips(self) -> list[ShortClip]:
        return [entry.short_clip() for entry in self.clips]

    def clip_extras(self) -> dict[str, dict]:
        """Per clip id, the keys other tools added to its entry (with the title/text they go with)."""
        return {
            entry.id: {k: v for k, v in entry.entry().items() if k not in CLIP_KEYS or k in TEXT_FIELDS}
            for entry in self.clips
        }

    def extras(self) -> dict:
        return dict(self.model_extra or {})


def _with_extras(entry: dict, extra: dict | None) -> dict:
    # Another tool's additions describe the clip's words (translations...): they only stay while the
    # title and text they were made from are unchanged.
    if not extra or extra.get("title") != entry["title"] or extra.get("text") != entry["text"]:
        return entry
    return {**entry, **{k: v for k, v in extra.items() if k not in CLIP_KEYS}}


def manifest_dict(
    input_path: str | Path,
    clips: list[ShortClip],
    *,
    request: dict | None = None,
    transcript: str | os.PathLike | None = None,
    source: SourceInfo | None = None,
    scorer: str | None = None,
    extra: dict | None = None,
    clip_extra: dict[str, dict] | None = None,
) -> dict:
    clip_extra = clip_extra or {}
    return {
        **{k: v for k, v in (extra or {}).items() if k not in ShortsManifest.model_fields},
        "version": MANIFEST_VERSION,
        "input": str(input_path),
        "request": request or {},
        "transcript": str(transcript) if transcript else None,
        "source": source.model_dump() if source else None,
        "scorer": scorer,
        "clips": [
            _with_extras(ManifestClip.of(c).entry(), clip_extra.get(c.id))
            for c in sorted(clips, key=lambda c: c.rank or 1e9)
        ],
    }


def write_manifest(
    path: str | Path,
    input_path: str | Path,
    clips: list[ShortClip],
    *,
    request: dict | None = None,
    transcript: str | os.PathLike | None = None,
    source: SourceInfo | None = None,
    scorer: str | None = None,
    extra: dict | None = None,
    clip_extra: dict[str, dict] | None = None,
) -> Path:
    data = manifest_dict(
        input_path,
        clips,
        request=request,
        transcript=transcript,
        source=source,
        scorer=scorer,
        extra=extra,
        clip_extra=clip_extra,
    )
    return write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False))


def read_manifest(path: str | Path, *, resolve_files: bool = True) -> ShortsManifest:
    """A run's manifest. With ``resolve_files`` relative file paths are taken relative to the
    manifest's folder (and a moved folder is followed); without, the entries stay as written,
    for an edit that writes the file back (:func:`save_manifest`)."""
    path = Path(path)
    try:
        manifest = ShortsManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputNotFoundError(f"The shorts manifest was not found: {path}") from exc
    except (OSError, ValueError) as exc:
        raise InvalidParameterError(f"{path.name} is not a readable shorts manifest.", detail=str(exc)) from exc
    if "clips" not in manifest.model_fields_set:
        raise InvalidParameterError(f"{path.name} is not a shorts manifest: it has no list of clips.")
    if resolve_files:
        for entry in manifest.clips:
            for key in _FILE_KEYS:
                value = getattr(entry, key)
                if not value:
                    continue
                file = Path(value)
                if not file.is_absolute():
                    setattr(entry, key, str(path.parent / file))
                elif not file.exists() and (path.parent / file.name).exists():
                    setattr(entry, key, str(path.parent / file.name))  # the run's folder was moved or renamed
    return manifest


def save_manifest(path: str | Path, manifest: ShortsManifest) -> Path:
    """Write a manifest read with :func:`read_manifest` back, atomically: the keys it had, plus
    what was set on it (a version-1 manifest is not relabelled version 2)."""
    data = manifest.model_dump(mode="json", exclude_unset=True)
    return write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False))


def write_csv(path: str | Path, clips: list[ShortClip]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["rank", "id", "start", "end", "duration", "score", "title", "reason", "video", "srt", "thumbnail"])
    for c in sorted(clips, key=lambda c: c.rank or 1e9):
        w.writerow(
            [
                c.rank,
                c.id,
                f"{c.start:.3f}",
                f"{c.end:.3f}",
                f"{c.duration:.3f}",
                c.score,
                c.title,
                c.reason,
                c.video_path or "",
                c.srt_path or "",
                c.thumbnail_path or "",
            ]
        )
    return write_text_atomic(path, buf.getvalue())


# --- timecodes -----------------------------------------------------------------------------


def nominal_fps(fps: float) -> int:
    """The timecode base: 29.97 counts in 30-frame timecode (non-drop), 23.976 in 24."""
    return max(1, round(fps))


def frames_at(seconds: float, fps: float) -> int:
    return round(seconds * fps)


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


def edl_text(
    input_path: str | Path,
    clips: list[ShortClip],
    fps: float,
    *,
    title: str = "Reframe shorts",
    record_start_hours: int = 1,
) -> str:
    base = nominal_fps(fps)
    reel = reel_name(input_path)
    lines = [f"TITLE: {title}", "FCM: NON-DROP FRAME", ""]
    rec = record_start_hours * 3600 * base
    for n, clip in enumerate(sorted(clips, key=lambda c: c.rank or 1e9), 1):
        src_in = frames_at(clip.start, fps)
        src_out = max(src_in + 1, frames_at(clip.end, fps))
        length = src_out - src_in
        lines.append(
            f"{n:03d}  {reel:<8} AA/V  C        {timecode(src_in, fps)} {timecode(src_out, fps)} "
            f"{timecode(rec, fps)} {timecode(rec + length, fps)}"
        )
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


def fcpxml_text(
    input_path: str | Path,
    clips: list[ShortClip],
    *,
    fps: float,
    width: int,
    height: int,
    duration: float,
    has_audio: bool = True,
    project: str = "Reframe shorts",
) -> str:
    fd = frame_duration(fps)
    path = Path(input_path).resolve()
    src = "file://" + quote(path.as_posix() if path.as_posix().startswith("/") else "/" + path.as_posix())
    total_frames = round(Fraction(duration) / fd) if duration else 0
    parts = []
    offset = Fraction(0)
    for clip in sorted(clips, key=lambda c: c.rank or 1e9):
        start_f = round(Fraction(clip.start) / fd)
        length_f = max(1, round(Fraction(clip.end) / fd) - start_f)
        parts.append(
            f'          <asset-clip ref="r2" name={quoteattr(clip.title or clip.id)} offset="{rational(offset)}" '
            f'start="{rational(start_f * fd)}" duration="{rational(length_f * fd)}" format="r1" tcFormat="NDF">\n'
            f"            <note>{escape(f'score {clip.score:.0f}: {clip.reason}')}</note>\n"
            f"          </asset-clip>"
        )
        offset += length_f * fd
    audio = ' hasAudio="1" audioSources="1" audioChannels="2" audioRate="48000"' if has_audio else ""
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            "<!DOCTYPE fcpxml>",
            '<fcpxml version="1.9">',
            "  <resources>",
            f'    <format id="r1" frameDuration="{rational(fd)}" width="{width}" height="{height}"/>',
            (
                f'    <asset id="r2" name={quoteattr(path.stem)} start="0s" duration="{rational(total_frames * fd)}" '
                f'hasVideo="1" format="r1"{audio}>'
            ),
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
        ]
    )


def write_fcpxml(path: str | Path, input_path: str | Path, clips: list[ShortClip], **kw) -> Path:
    return write_text_atomic(path, fcpxml_text(input_path, clips, **kw))
