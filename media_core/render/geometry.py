"""Output sizes and the reframe filter chains (crop / blur_bg / pad).

Sizes are computed from the *display* size (rotation applied) because the ffmpeg CLI
auto-rotates decoded frames before the filtergraph sees them.
"""

from __future__ import annotations

from typing import Literal

from ..errors import InvalidParameterError

Aspect = Literal["9:16", "1:1", "16:9", "4:5"]
Strategy = Literal["crop", "blur_bg", "pad"]


def even(value: float) -> int:
    """Largest even integer <= value, at least 2 (yuv420p needs even width and height)."""
    return max(2, int(value) // 2 * 2)


def parse_aspect(aspect: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in aspect.split(":"))
        if a <= 0 or b <= 0:
            raise ValueError
    except ValueError as exc:
        raise InvalidParameterError(f"Aspect ratio {aspect!r} is not valid (use e.g. 9:16).") from exc
    return a, b


def target_size(src_w: int, src_h: int, aspect: str | None, strategy: str, height: int | None) -> tuple[int, int]:
    """The even output size for a source shown at ``src_w`` x ``src_h``."""
    if aspect is None:
        if height is None:
            return even(src_w), even(src_h)
        return even(height * src_w / src_h), even(height)
    a, b = parse_aspect(aspect)
    if height is not None:
        return even(height * a / b), even(height)
    if strategy == "crop":
        # Largest window of the aspect inside the source: no upscaling.
        if src_w * b > src_h * a:
            return even(src_h * a / b), even(src_h)
        return even(src_w), even(src_w * b / a)
    # pad / blur_bg: the source's long side becomes the output's long side.
    long_side = max(src_w, src_h)
    if a >= b:
        return even(long_side), even(long_side * b / a)
    return even(long_side * a / b), even(long_side)


def reframe_chain(src: str, dst: str, width: int, height: int, strategy: str, focus_x: float) -> list[str]:
    """Filtergraph chains turning label ``src`` into a ``width`` x ``height`` frame at ``dst``."""
    if strategy == "pad":
        return [
            (
                f"[{src}]scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
                f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:black[{dst}]"
            )
        ]
    if strategy == "blur_bg":
        # The background is blurred at quarter size: same look, a fraction of the boxblur cost.
        bw, bh = even(width / 4), even(height / 4)
        return [
            f"[{src}]split=2[{dst}_bgsrc][{dst}_fgsrc]",
            (
                f"[{dst}_bgsrc]scale={bw}:{bh}:force_original_aspect_ratio=increase,crop={bw}:{bh},"
                f"boxblur=luma_radius=8:luma_power=2:chroma_radius=8:chroma_power=2,"
                f"scale={width}:{height},setsar=1[{dst}_bg]"
            ),
            (
                f"[{dst}_fgsrc]scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
                f"setsar=1[{dst}_fg]"
            ),
            f"[{dst}_bg][{dst}_fg]overlay=(W-w)/2:(H-h)/2[{dst}]",
        ]
    if strategy == "crop":
        fx = min(1.0, max(0.0, float(focus_x)))
        return [
            (
                f"[{src}]scale={width}:{height}:force_original_aspect_ratio=increase,"
                f"crop={width}:{height}:(iw-{width})*{fx:.4f}:(ih-{height})/2[{dst}]"
            )
        ]
    raise InvalidParameterError(f"Unknown reframe strategy {strategy!r} (use crop, blur_bg or pad).")
