"""Render one short in ONE ffmpeg run: cut + reframe + burned captions + encode.

A clip that is one continuous range goes through the render engine's plan
(:func:`media_core.render.execute`). A clip with its silences trimmed is several
ranges played back to back, which the plan does not model, so that case builds its
own single-pass filtergraph here (trim/atrim per range → concat → the engine's
reframe chain → subtitles), still one decode and one encode.
"""

from __future__ import annotations

from pathlib import Path

from ..ffmpeg import LogFn, run_ffmpeg
from ..models import SubtitleLine
from ..paths import atomic_output
from ..probe import MediaInfo
from ..progress import CancelToken, ProgressFn
from ..reframe import FacePlan, FollowOptions, face_chains, follow_faces
from ..render import EncoderSettings, Reframe, RenderPlan, Trim, execute
from ..render.escape import filter_path
from ..render.geometry import reframe_chain, target_size
from ..render.operations import thumbnail
from ..render.subtitle_input import SubtitleSpec
from ..styles import fonts_dir


def build_clip_command(
    input_path: Path,
    info: MediaInfo,
    ranges: list[tuple[float, float]],
    output: Path,
    *,
    width: int,
    height: int,
    strategy: str = "crop",
    focus_x: float = 0.5,
    ass_path: Path | None = None,
    fonts_dir: Path | None = None,
    crf: int = 20,
    preset: str = "veryfast",
    face_plan: FacePlan | None = None,
) -> tuple[list[str], float]:
    """ffmpeg arguments (without the executable) and the output duration."""
    first, last = ranges[0][0], ranges[-1][1]
    # Input seeking to the first range keeps decoding short; later ranges are relative to it.
    args = ["-ss", f"{first:.3f}", "-t", f"{last - first:.3f}", "-i", str(input_path)]
    has_audio = info.has_audio
    graph: list[str] = []
    if len(ranges) == 1:
        v_src, a_src = "0:v:0", "0:a:0"
    else:
        parts = []
        for i, (s, e) in enumerate(ranges):
            rs, re_ = s - first, e - first
            graph.append(f"[0:v:0]trim=start={rs:.3f}:end={re_:.3f},setpts=PTS-STARTPTS[v{i}]")
            parts.append(f"[v{i}]")
            if has_audio:
                graph.append(f"[0:a:0]atrim=start={rs:.3f}:end={re_:.3f},asetpts=PTS-STARTPTS[a{i}]")
                parts.append(f"[a{i}]")
        graph.append(
            f"{''.join(parts)}concat=n={len(ranges)}:v=1:a={1 if has_audio else 0}[vcat]"
            + ("[acat]" if has_audio else "")
        )
        v_src, a_src = "vcat", "acat"
    if face_plan is not None:
        # The plan is on the concatenated timeline, which is what ``t`` is after concat.
        graph += face_chains(v_src, "vframed", face_plan, width, height)
    else:
        graph += reframe_chain(v_src, "vframed", width, height, strategy, focus_x)
    last_label = "vframed"
    if ass_path is not None:
        sub = f"ass=filename={filter_path(Path(ass_path))}"
        if fonts_dir is not None and Path(fonts_dir).is_dir():
            sub += f":fontsdir={filter_path(Path(fonts_dir))}"
        graph.append(f"[{last_label}]{sub}[vsub]")
        last_label = "vsub"
    graph.append(f"[{last_label}]setsar=1,format=yuv420p[vout]")
    args += ["-filter_complex", ";".join(graph), "-map", "[vout]"]
    if has_audio:
        args += ["-map", f"[{a_src}]" if len(ranges) > 1 else a_src, "-c:a", "aac", "-b:a", "128k"]
    args += [
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-movflags",
        "+faststart",
        "-sn",
        "-dn",
        str(output),
    ]
    return args, sum(e - s for s, e in ranges)


def output_size(info: MediaInfo, aspect: str, strategy: str, height: int) -> tuple[int, int]:
    """The frame size the render engine produces for this request (one source of truth)."""
    src_w, src_h = info.display_size or (1920, 1080)
    return target_size(src_w, src_h, aspect, strategy, height)


def render_clip_video(
    input_path: Path,
    info: MediaInfo,
    ranges: list[tuple[float, float]],
    output: Path,
    *,
    aspect: str,
    height: int,
    strategy: str = "crop",
    focus_x: float = 0.5,
    follow: FollowOptions | None = None,
    source_lines: list[SubtitleLine] | None = None,
    style=None,
    ass_path: Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
) -> Path:
    """Render ``ranges`` of the input as one clip; ``follow`` makes the crop follow faces.

    One range: the render plan, with ``source_lines`` (captions in *source* time; the
    plan shifts them to clip time and styles them with ``style``). Several ranges:
    the local concat graph, burning ``ass_path`` (already in output time).
    """
    if len(ranges) == 1:
        start, end = ranges[0]
        subtitles = SubtitleSpec(lines=source_lines, style=style) if source_lines else None
        plan = RenderPlan(
            input=Path(input_path),
            output=Path(output),
            trim=Trim(start=start, end=end),
            reframe=Reframe(
                aspect=aspect,
                strategy=strategy,
                focus_x=focus_x,
                height=height,
                follow_faces=follow is not None,
                follow=follow,
            ),
            subtitles=subtitles,
            encoder=EncoderSettings(codec="libx264", audio="aac"),
        )
        execute(plan, progress=progress, cancel=cancel, log=log, stage="Rendering clip")
        return Path(output)
    width, out_h = output_size(info, aspect, "crop" if follow is not None else strategy, height)
    face_plan = None
    if follow is not None:
        face_plan = follow_faces(
            input_path,
            list(ranges),
            out_w=width,
            out_h=out_h,
            options=follow,
            focus_x=focus_x,
            progress=progress,
            cancel=cancel,
        )
    with atomic_output(output) as tmp:
        args, duration = build_clip_command(
            input_path,
            info,
            ranges,
            tmp,
            width=width,
            height=out_h,
            strategy=strategy,
            focus_x=focus_x,
            ass_path=ass_path,
            fonts_dir=fonts_dir(),
            face_plan=face_plan,
        )
        run_ffmpeg(args, duration=duration, progress=progress, cancel=cancel, log=log)
    return Path(output)


def render_thumbnail(
    video: Path, output: Path, *, at: float = 1.0, cancel: CancelToken | None = None, log: LogFn | None = None
) -> Path:
    return thumbnail(video, at, output, cancel=cancel, log=log)
