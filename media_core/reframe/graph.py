"""The ffmpeg filtergraph of a face plan, for the same single render pass as a fixed crop.

A moving crop is ``crop`` with an ``x`` expression in ``t``: the piecewise-linear path
written as a sum of clamped ramps (and steps for hard cuts), which ffmpeg evaluates per
frame without nesting. Cropping happens before scaling, so only the window's pixels are
scaled. Segments with different layouts are cut out of one decoded stream with
``split`` + ``trim`` and joined with ``concat``: still one decode and one encode.
"""

from __future__ import annotations

from ..render.geometry import even, reframe_chain
from .models import CropPath, FacePlan, Segment

#: ffmpeg's expression parser nests one level per "+" and refuses about 100 levels, so a sum of
#: more terms is written as a balanced tree of parenthesised groups of at most this many.
_GROUP = 40


def ramp_expr(times: list[float], values: list[float]) -> str:
    """``values`` at ``times``, linear in between, as an ffmpeg expression in ``t``."""
    terms = [f"{values[0]:.2f}"]
    for i in range(1, len(times)):
        dv, dt = values[i] - values[i - 1], times[i] - times[i - 1]
        if abs(dv) < 0.005:
            continue
        if dt <= 1e-6:
            terms.append(f"{dv:.2f}*gte(t,{times[i]:.4f})")
        else:
            terms.append(f"{dv / dt:.4f}*clip(t-{times[i - 1]:.4f},0,{dt:.4f})")
    return _balanced_sum(terms)


def _balanced_sum(terms: list[str]) -> str:
    while len(terms) > _GROUP:
        terms = [f"({'+'.join(terms[i : i + _GROUP])})" for i in range(0, len(terms), _GROUP)]
    return "+".join(terms)


def _crop(path: CropPath, src_w: int, src_h: int) -> str:
    w, h = int(path.width), int(path.height)
    x = ramp_expr(path.times, [min(src_w - w, max(0.0, cx - w / 2)) for cx in path.xs])
    y = int(min(src_h - h, max(0.0, path.cy - h / 2)))
    return f"crop=w={w}:h={h}:x='{x}':y={y}"


def _segment_chains(src: str, dst: str, seg: Segment, plan: FacePlan, width: int, height: int) -> list[str]:
    sw, sh = plan.src_width, plan.src_height
    if seg.layout == "single":
        return [f"[{src}]{_crop(seg.paths[0], sw, sh)},scale={width}:{height},setsar=1,format=yuv420p[{dst}]"]
    if seg.layout == "split":
        top, bottom = even(height / 2), height - even(height / 2)
        return [
            f"[{src}]split=2[{dst}_a][{dst}_b]",
            f"[{dst}_a]{_crop(seg.paths[0], sw, sh)},scale={width}:{top},setsar=1[{dst}_top]",
            f"[{dst}_b]{_crop(seg.paths[1], sw, sh)},scale={width}:{bottom},setsar=1[{dst}_bottom]",
            f"[{dst}_top][{dst}_bottom]vstack=inputs=2,format=yuv420p[{dst}]",
        ]
    strategy = "blur_bg" if seg.layout == "fit" else "crop"
    chains = reframe_chain(src, f"{dst}_r", width, height, strategy, plan.focus_x)
    return [*chains, f"[{dst}_r]setsar=1,format=yuv420p[{dst}]"]


def face_chains(src: str, dst: str, plan: FacePlan, width: int, height: int) -> list[str]:
    """Filtergraph chains turning label ``src`` into the ``width`` x ``height`` face-following frame at ``dst``."""
    segments = plan.segments
    if len(segments) == 1:
        return _segment_chains(src, dst, segments[0], plan, width, height)
    n = len(segments)
    chains = [f"[{src}]split={n}" + "".join(f"[{dst}_in{i}]" for i in range(n))]
    for i, seg in enumerate(segments):
        # Open ends: the first and last segment take every frame before / after them, whatever
        # the container's exact duration turns out to be.
        bounds = []
        if i > 0:
            bounds.append(f"start={seg.start:.4f}")
        if i < n - 1:
            bounds.append(f"end={seg.end:.4f}")
        chains.append(f"[{dst}_in{i}]trim={':'.join(bounds)}[{dst}_t{i}]")
        chains += _segment_chains(f"{dst}_t{i}", f"{dst}_l{i}", seg, plan, width, height)
        chains.append(f"[{dst}_l{i}]setpts=PTS-STARTPTS[{dst}_s{i}]")
    chains.append("".join(f"[{dst}_s{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0[{dst}]")
    return chains
