"""Pick the best N clips that do not overlap (greedy by score, with a minimum gap)."""

from __future__ import annotations

from .models import ShortClip


def select_clips(clips: list[ShortClip], num_clips: int, *, min_gap: float = 1.0) -> list[ShortClip]:
    """Highest score first; a clip is skipped if it comes within ``min_gap`` s of one already taken.

    Returns the chosen clips sorted by score with ``rank`` (1 = best) and ``id`` set;
    use :func:`chronological` for timeline order.
    """
    chosen: list[ShortClip] = []
    # Ties broken by earlier start, then shorter clip, so results are deterministic.
    for clip in sorted(clips, key=lambda c: (-c.score, c.start, c.duration)):
        if len(chosen) >= num_clips:
            break
        if any(clip.start < other.end + min_gap and other.start < clip.end + min_gap for other in chosen):
            continue
        chosen.append(clip)
    return [c.model_copy(update={"rank": i, "id": f"clip-{i:02d}"}) for i, c in enumerate(chosen, 1)]


def chronological(clips: list[ShortClip]) -> list[ShortClip]:
    return sorted(clips, key=lambda c: c.start)
