"""A steady virtual camera: the crop centre as a smooth path over sparse face targets.

Like a camera operator: the frame holds while the subject stays inside a dead zone
around its centre, starts moving only when the subject leaves it, accelerates and brakes
within a maximum acceleration, never exceeds a maximum speed, and settles instead of
chasing every detection wobble. Where no face is seen the frame holds. It jumps only at
the start of a new shot (the caller simulates each shot separately).
"""

from __future__ import annotations

import itertools
import math

#: The simulation step (s): fine enough that the path is smooth at any output frame rate.
STEP = 0.04
#: Moving stops once the subject is back this close to the centre (share of crop width).
SETTLE = 0.015


def _interp_targets(times: list[float], targets: list[float | None], t: float) -> float | None:
    """Target at ``t``: linear between two known samples, unknown across a gap or outside."""
    known = [(ti, x) for ti, x in zip(times, targets, strict=True) if x is not None]
    if not known:
        return None
    if t <= known[0][0]:
        return known[0][1] if known[0][0] - t < 0.5 else None
    for (t0, x0), (t1, x1) in itertools.pairwise(known):
        if t0 <= t <= t1:
            if t1 - t0 > 1.5:  # a long gap: hold rather than glide towards where the face reappears
                return x0 if t - t0 < 0.5 else None
            return x0 + (x1 - x0) * (t - t0) / (t1 - t0) if t1 > t0 else x1
    return known[-1][1] if t - known[-1][0] < 0.5 else None


def smooth_shot(
    start: float,
    end: float,
    times: list[float],
    targets: list[float | None],
    *,
    crop_width: float,
    lo: float,
    hi: float,
    fallback: float,
    dead_zone: float,
    max_speed: float,
    max_accel: float,
) -> tuple[list[float], list[float]]:
    """Keyframe times and centre x for one shot, from sampled targets (None = no face)."""
    known = [x for ti, x in zip(times, targets, strict=True) if x is not None and ti < start + 1.0]
    if not known:
        known = [x for x in targets if x is not None]
    # Start already framed on the subject: the median of its first second, not a chase from the middle.
    pos = sorted(known)[len(known) // 2] if known else fallback
    pos = min(hi, max(lo, pos))
    v = 0.0
    moving = False
    dz, settle = dead_zone * crop_width, SETTLE * crop_width
    vmax, amax = max_speed * crop_width, max_accel * crop_width
    out_t, out_x = [start], [pos]
    steps = max(1, math.ceil((end - start) / STEP))
    dt = (end - start) / steps
    for k in range(1, steps + 1):
        t = start + k * dt
        target = _interp_targets(times, targets, t)
        err = 0.0 if target is None else min(hi, max(lo, target)) - pos
        if not moving and abs(err) > dz:
            moving = True
        elif moving and abs(err) < settle and abs(v) < amax * dt * 2:
            moving = False
        if moving:
            # The speed from which the camera can still brake to rest at the target (half the
            # acceleration budget, so it arrives gently instead of at full braking).
            want = math.copysign(min(vmax, math.sqrt(amax * abs(err))), err)
        else:
            want = 0.0
        v += max(-amax * dt, min(amax * dt, want - v))
        pos += v * dt
        if pos < lo or pos > hi:
            pos, v = min(hi, max(lo, pos)), 0.0
        out_t.append(t)
        out_x.append(pos)
    return simplify(out_t, out_x, tolerance=0.25)


def simplify(times: list[float], xs: list[float], *, tolerance: float) -> tuple[list[float], list[float]]:
    """Drop keyframes a straight line between their neighbours reproduces within ``tolerance`` px.

    Keeps the ffmpeg expression short: a held frame becomes two keyframes, a steady pan a few.
    """
    if len(times) <= 2:
        return list(times), list(xs)
    keep = [0]
    anchor = 0
    for i in range(2, len(times)):
        t0, x0 = times[anchor], xs[anchor]
        t1, x1 = times[i], xs[i]
        ok = True
        for j in range(anchor + 1, i):
            line = x0 + (x1 - x0) * (times[j] - t0) / (t1 - t0) if t1 > t0 else x1
            if abs(line - xs[j]) > tolerance:
                ok = False
                break
        if not ok:
            keep.append(i - 1)
            anchor = i - 1
    keep.append(len(times) - 1)
    return [times[i] for i in keep], [xs[i] for i in keep]


def jerk(xs: list[float]) -> float:
    """Mean absolute second difference of a per-frame position series (px/frame²)."""
    if len(xs) < 3:
        return 0.0
    return sum(abs(xs[i + 1] - 2 * xs[i] + xs[i - 1]) for i in range(1, len(xs) - 1)) / (len(xs) - 2)
