"""What a crop-box preview shows: one source frame and the windows the render would cut from it."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from pydantic import BaseModel, ConfigDict

from ..errors import CorruptMediaError
from ..probe import check_input_file, probe
from ..progress import CancelToken
from ..render.geometry import parse_aspect, target_size
from .analyze import analyze
from .models import FollowOptions, Layout
from .planner import plan_faces

#: Seconds analysed around the previewed time: enough for tracks and a settled path.
WINDOW = 6.0


class CropPreview(BaseModel):
    """``t`` None in :func:`crop_preview` previews the middle of the video."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    #: The source frame at ``t`` (RGB, display orientation), at most ``max_width`` wide.
    frame: np.ndarray
    #: Crop windows in the frame's pixels (x, y, w, h).
    boxes: list[tuple[float, float, float, float]]
    layout: Layout
    t: float


def crop_preview(
    video: str | Path,
    t: float | None,
    *,
    aspect: str = "9:16",
    options: FollowOptions | None = None,
    focus_x: float = 0.5,
    max_width: int = 640,
    cancel: CancelToken | None = None,
) -> CropPreview:
    path = check_input_file(video)
    info = probe(path)
    t = info.duration / 2 if t is None else min(max(0.0, t), max(0.0, info.duration - 0.05))
    start = max(0.0, t - WINDOW / 2)
    end = min(info.duration, start + WINDOW) if info.duration else None
    analysis = analyze(path, [(start, end)], options=options, cancel=cancel)
    a, b = parse_aspect(aspect)
    out_w, out_h = target_size(analysis.width, analysis.height, aspect, "crop", None)
    plan = plan_faces(analysis, out_w=out_w, out_h=out_h, options=options or FollowOptions(), focus_x=focus_x)
    local = t - start
    frame = _frame_at(path, t, max_width, info.video.rotation if info.video else 0)
    scale = frame.shape[1] / analysis.width
    boxes = [(x * scale, y * scale, w * scale, h * scale) for x, y, w, h in plan.crop_boxes_at(local, a / b)]
    return CropPreview(frame=frame, boxes=boxes, layout=plan.layout_at(local).layout, t=t)


def _frame_at(path: Path, t: float, max_width: int, rotation: int) -> np.ndarray:
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            if t > 0 and stream.time_base is not None:
                container.seek(int(t / stream.time_base), stream=stream, backward=True)
            picked = None
            for frame in container.decode(stream):
                picked = frame
                if frame.time is not None and frame.time >= t - 0.02:
                    break
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        raise CorruptMediaError(f"{path.name}: no frame at {t:.2f}s ({exc})") from exc
    if picked is None:
        raise CorruptMediaError(f"{path.name}: no frame at {t:.2f}s")
    w, h = picked.width, picked.height
    if rotation % 180 == 90:
        w, h = h, w
    scale = min(1.0, max_width / w)
    tw, th = max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2)
    if rotation % 180 == 90:
        tw, th = th, tw
    rgb = picked.to_ndarray(format="rgb24", width=tw, height=th)
    if rotation == 90:
        rgb = np.rot90(rgb, k=-1)
    elif rotation == 270:
        rgb = np.rot90(rgb, k=1)
    elif rotation == 180:
        rgb = rgb[::-1, ::-1]
    return np.ascontiguousarray(rgb)
