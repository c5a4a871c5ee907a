"""Shot changes from consecutive tiny grayscale frames.

A cut is a frame whose mean absolute difference to the previous one is both large in
absolute terms and far above the recent motion level, so a fast pan or a flash in a
busy scene is not taken for a cut while a cut between two dark shots still is.
"""

from __future__ import annotations

from collections import deque

import numpy as np

#: Mean absolute luma difference (0..255) a cut must exceed.
MIN_DIFF = 18.0
#: ... and how many times the recent median difference.
RATIO = 3.0
#: Shots shorter than this are merged into the previous one: a flash is not a shot.
MIN_SHOT = 0.5


class CutDetector:
    def __init__(self, *, min_diff: float = MIN_DIFF, ratio: float = RATIO, min_shot: float = MIN_SHOT):
        self.min_diff = min_diff
        self.ratio = ratio
        self.min_shot = min_shot
        self._prev: np.ndarray | None = None
        self._recent: deque[float] = deque(maxlen=15)
        self._last_cut = 0.0
        self.cuts: list[float] = []

    def push(self, t: float, tiny: np.ndarray, *, forced: bool = False) -> bool:
        """Feed the next frame; True when a new shot starts at ``t``."""
        frame = tiny.astype(np.int16)
        prev, self._prev = self._prev, frame
        if prev is None or prev.shape != frame.shape:
            return False
        diff = float(np.abs(frame - prev).mean())
        level = float(np.median(self._recent)) if self._recent else 0.0
        self._recent.append(diff)
        is_cut = forced or (diff > self.min_diff and diff > self.ratio * max(level, 1.0))
        if is_cut and (forced or t - self._last_cut >= self.min_shot):
            self.cuts.append(t)
            self._last_cut = t
            self._recent.clear()
            return True
        return False
