"""Video operations built on the render plan: burn, cut, reframe, previews and stills.

Each is a thin, named front door to :func:`media_core.render.plan.execute` (or a
single small ffmpeg run) so every path shares the same escaping, atomic output,
progress and cancel handling.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import InvalidParameterError, NoVideoStreamError
from ..ffmpeg import LogFn, run_ffmpeg
from ..models import SubtitleLine
from ..paths import atomic_output, cache_dir
from ..probe import probe
from ..progress import CancelToken, ProgressFn
from ..reframe.models import FollowOptions, LayoutChoice, SpeakerHint
from .plan import EncoderSettings, Reframe, RenderPlan, RenderResult, Trim, execute
from .subtitle_input import SubtitleSpec

PathLike = str | os.PathLike


def _subs(subs: PathLike | list[SubtitleLine] | None, style, fonts_dir: PathLike | None) -> SubtitleSpec | None:
    if subs is None:
        if style is not None:
            raise InvalidParameterError("A caption style needs subtitles (a file or lines) to draw.")
        return None
    fonts = Path(fonts_dir) if fonts_dir is not None else None
    if isinstance(subs, list):
        return SubtitleSpec(lines=subs, style=style, fonts_dir=fonts)
    return SubtitleSpec(path=Path(subs), style=style, fonts_dir=fonts)


def burn_subtitles(
    video: PathLike,
    subs: PathLike | list[SubtitleLine],
    out: PathLike,
    style=None,
    *,
    fonts_dir: PathLike | None = None,
    encoder: EncoderSettings | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> RenderResult:
    """Burn an .srt/.vtt/.ass file (or styled lines) into ``video``."""
    plan = RenderPlan(
        input=Path(video),
        output=Path(out),
        subtitles=_subs(subs, style, fonts_dir),
        encoder=encoder or EncoderSettings(),
    )
    return execute(plan, progress=progress, cancel=cancel, log=log, stage="Burning captions")


def cut(
    video: PathLike,
    start: float,
    end: float,
    out: PathLike,
    reencode: bool = True,
    *,
    encoder: EncoderSettings | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> RenderResult:
    """Cut ``start``..``end``. ``reencode=False`` copies the streams: instant, but starts on a keyframe."""
    trim = Trim(start=start, end=end)
    if reencode:
        plan = RenderPlan(input=Path(video), output=Path(out), trim=trim, encoder=encoder or EncoderSettings())
        return execute(plan, progress=progress, cancel=cancel, log=log, stage="Cutting")
    probe(video)  # a clear error for a bad input before ffmpeg runs
    out = Path(out)
    with atomic_output(out) as tmp:
        result = run_ffmpeg(
            [
                "-ss",
                f"{start:.3f}",
                "-t",
                f"{end - start:.3f}",
                "-i",
                str(video),
                "-map",
                "0:v:0?",
                "-map",
                "0:a:0?",
                "-c",
                "copy",
                "-avoid_negative_ts",
                "make_zero",
                str(tmp),
            ],
            duration=end - start,
            progress=progress,
            cancel=cancel,
            log=log,
            stage="Cutting",
        )
    done = probe(out)
    size = done.display_size or (0, 0)
    return RenderResult(
        output=out,
        duration=done.duration,
        width=size[0],
        height=size[1],
        elapsed=result.elapsed,
        command=[str(out) if a.endswith(tmp.name) else a for a in result.args],
    )


def reframe(
    video: PathLike,
    out: PathLike,
    aspect: str = "9:16",
    strategy: str = "crop",
    focus_x: float = 0.5,
    *,
    height: int | None = None,
    follow_faces: bool = False,
    layout: LayoutChoice = "auto",
    split_speakers: bool = True,
    speaker_hints: list[SpeakerHint] | list[dict] | None = None,
    encoder: EncoderSettings | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> RenderResult:
    """Change the aspect ratio.

    ``follow_faces`` makes the crop follow the subject (see :mod:`media_core.reframe`):
    ``layout`` forces single / split / fit instead of choosing per shot, ``split_speakers``
    allows two people stacked, ``speaker_hints`` (who speaks when) picks the active speaker.
    """
    follow = FollowOptions(
        layout=layout,
        split_speakers=split_speakers,
        speaker_hints=[SpeakerHint.model_validate(h) for h in speaker_hints or []],
    )
    plan = RenderPlan(
        input=Path(video),
        output=Path(out),
        reframe=Reframe(
            aspect=aspect, strategy=strategy, focus_x=focus_x, height=height, follow_faces=follow_faces, follow=follow
        ),
        encoder=encoder or EncoderSettings(),
    )
    return execute(plan, progress=progress, cancel=cancel, log=log, stage="Reframing")


def _source_frame(video: Path, t: float, cancel: CancelToken | None, log: LogFn | None) -> Path:
    """The unstyled frame at ``t`` as a PNG, cached: a style editor asks for the same t again and again.

    Seeking to ``t`` means decoding from the previous keyframe (seconds of 1080p
    video for a long GOP); with the frame cached, every later style change only
    draws captions on one still.
    """
    st = video.stat()
    key = hashlib.sha1(f"{video.resolve()}|{st.st_size}|{st.st_mtime_ns}|{t:.3f}".encode()).hexdigest()[:20]
    folder = cache_dir() / "preview-frames"
    folder.mkdir(parents=True, exist_ok=True)
    frame = folder / f"{key}.png"
    if not frame.exists():
        with atomic_output(frame) as tmp:
            run_ffmpeg(
                [
                    "-threads",
                    "2",
                    "-ss",
                    f"{t:.3f}",
                    "-i",
                    str(video),
                    "-map",
                    "0:v:0",
                    "-frames:v",
                    "1",
                    "-update",
                    "1",
                    "-compression_level",
                    "1",
                    str(tmp),
                ],
                cancel=cancel,
                log=log,
                stage="Preview",
            )
    return frame


def preview_frame(
    video: PathLike,
    t: float,
    out_png: PathLike,
    *,
    subtitles: PathLike | list[SubtitleLine] | None = None,
    style=None,
    reframe: Reframe | None = None,
    fonts_dir: PathLike | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> RenderResult:
    """One frame at ``t`` with reframe and captions applied, as the final render would draw it.

    The source frame is decoded once and cached (see :func:`_source_frame`); the
    reframe and the captions active at ``t`` are then drawn on that still through
    the same render plan as a real render.
    """
    video = Path(video)
    info = probe(video)
    if not info.has_video:
        raise NoVideoStreamError(f"{video.name} has no video to preview.")
    t = min(max(0.0, t), max(0.0, info.duration - 0.05))
    frame = _source_frame(video, t, cancel, log)
    plan = RenderPlan(
        input=frame,
        output=Path(out_png),
        reframe=reframe,
        subtitle_offset=t,
        subtitles=_subs(subtitles, style, fonts_dir),
        encoder=EncoderSettings(threads=2),
    )
    return execute(plan, cancel=cancel, log=log, stage="Preview")


def preview_clip(
    video: PathLike,
    out: PathLike,
    start: float,
    duration: float = 5.0,
    *,
    subtitles: PathLike | list[SubtitleLine] | None = None,
    style=None,
    reframe: Reframe | None = None,
    fonts_dir: PathLike | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> RenderResult:
    """A short clip rendered fast (ultrafast preset) to check a style or framing in motion."""
    info = probe(video)
    end = min(start + duration, info.duration) if info.duration else start + duration
    plan = RenderPlan(
        input=Path(video),
        output=Path(out),
        trim=Trim(start=start, end=end),
        reframe=reframe,
        subtitles=_subs(subtitles, style, fonts_dir),
        encoder=EncoderSettings(codec="libx264", preset="ultrafast", crf=23),
    )
    return execute(plan, progress=progress, cancel=cancel, log=log, stage="Preview clip")


def thumbnail(
    video: PathLike,
    t: float,
    out: PathLike,
    width: int | None = None,
    *,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> Path:
    """A still (PNG/JPEG by ``out``'s extension) at ``t``, optionally scaled to ``width``."""
    info = probe(video)
    if not info.has_video:
        raise NoVideoStreamError(f"{Path(video).name} has no video to take a thumbnail from.")
    t = min(max(0.0, t), max(0.0, info.duration - 0.05))
    vf = f"scale={width}:-2:flags=lanczos,setsar=1" if width else "setsar=1"
    out = Path(out)
    with atomic_output(out) as tmp:
        run_ffmpeg(
            [
                "-ss",
                f"{t:.3f}",
                "-i",
                str(video),
                "-map",
                "0:v:0",
                "-vf",
                vf,
                "-frames:v",
                "1",
                "-update",
                "1",
                *(["-q:v", "2"] if out.suffix.lower() in (".jpg", ".jpeg") else []),
                str(tmp),
            ],
            cancel=cancel,
            log=log,
            stage="Thumbnail",
        )
    return out


def gif_preview(
    video: PathLike,
    start: float,
    duration: float,
    out: PathLike,
    width: int = 480,
    fps: float = 12,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> Path:
    """An animated GIF with a palette computed for the clip (palettegen/paletteuse: no banding)."""
    info = probe(video)
    if not info.has_video:
        raise NoVideoStreamError(f"{Path(video).name} has no video to make a GIF from.")
    graph = (
        f"[0:v:0]fps={fps},scale={width}:-2:flags=lanczos,split[a][b];"
        f"[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=4[g]"
    )
    out = Path(out)
    with atomic_output(out) as tmp:
        run_ffmpeg(
            [
                "-ss",
                f"{start:.3f}",
                "-t",
                f"{duration:.3f}",
                "-i",
                str(video),
                "-filter_complex",
                graph,
                "-map",
                "[g]",
                "-loop",
                "0",
                str(tmp),
            ],
            duration=duration,
            progress=progress,
            cancel=cancel,
            log=log,
            stage="GIF",
        )
    return out
