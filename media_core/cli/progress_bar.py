"""A terminal progress bar on stderr that is also a ``ProgressFn``.

On a terminal it redraws one line in place (``\\r``); when stderr is a file or a
pipe (CI logs, ``2> log``) it prints a plain line at each new stage and every 10 %,
so logs stay readable instead of filling with carriage returns.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO


class ProgressBar:
    def __init__(
        self, stream: TextIO | None = None, *, enabled: bool = True, tty: bool | None = None, min_interval: float = 0.1
    ):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty() if tty is None else tty
        self.min_interval = min_interval
        self._lock = threading.Lock()
        self._last_draw = 0.0
        self._last_stage: str | None = None
        self._last_decile = -1
        self._drawn = False
        self._started = time.monotonic()

    def __call__(self, fraction: float, stage: str = "") -> None:
        if not self.enabled:
            return
        fraction = min(1.0, max(0.0, float(fraction)))
        with self._lock:
            if self.tty:
                now = time.monotonic()
                if now - self._last_draw < self.min_interval and fraction < 1.0 and stage == self._last_stage:
                    return
                self._last_draw, self._last_stage = now, stage
                self._draw(fraction, stage)
            else:
                decile = int(fraction * 10)
                if stage != self._last_stage or decile != self._last_decile:
                    self._last_stage, self._last_decile = stage, decile
                    self.stream.write(f"{fraction * 100:5.1f}%  {stage}\n")
                    self.stream.flush()

    def _draw(self, fraction: float, stage: str) -> None:
        columns = shutil.get_terminal_size((80, 20)).columns
        elapsed = time.monotonic() - self._started
        eta = ""
        if 0.05 < fraction < 1.0:
            eta = f" ~{elapsed * (1 - fraction) / fraction:4.0f}s left"
        width = max(10, min(30, columns // 3))
        filled = round(width * fraction)
        head = f"[{'#' * filled}{'-' * (width - filled)}] {fraction * 100:5.1f}%{eta} "
        text = (head + stage)[: max(10, columns - 1)]
        self.stream.write("\r" + text.ljust(columns - 1))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the bar's line so later output starts on a fresh line."""
        with self._lock:
            if self.tty and self._drawn:
                self.stream.write("\n")
                self.stream.flush()
                self._drawn = False
