"""The progress and cancellation convention shared by every long operation.

Engine functions take ``progress: ProgressFn | None`` and ``cancel: CancelToken | None``.
``progress(fraction, stage)`` receives a fraction in [0, 1] and a short stage text;
``cancel.raise_if_cancelled()`` is called at safe points and raises
:class:`~media_core.errors.CancelledError`. Subprocess runners also poll
``cancel.is_cancelled`` to kill their child within a second.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from .errors import CancelledError

#: The log callback every engine function takes: one readable line at a time.
LogFn = Callable[[str], None]


class ProgressFn(Protocol):
    def __call__(self, fraction: float, stage: str = "") -> None: ...


class CancelToken:
    """Thread-safe cancel flag; cheap to poll from tight loops.

    It also carries a *pause*: :meth:`raise_if_cancelled` is the safe point where a paused
    operation waits (until resumed or cancelled), so every engine step that checks for a
    cancel between chunks also stops there when paused. Subprocess runners suspend their
    child instead (see media_core/ffmpeg.py)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._paused = False
        self._wakeup = threading.Condition(self._lock)

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks = list(self._callbacks)
            self._wakeup.notify_all()
        for cb in callbacks:
            try:
                cb()
            except Exception:  # a broken listener must not stop the cancel itself
                pass

    @property
    def is_cancelled(self) -> bool:
        return self._event.is_set()

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            self._wakeup.notify_all()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._wakeup.notify_all()

    @property
    def is_paused(self) -> bool:
        return self._paused

    def wait_while_paused(self) -> None:
        """Block while paused; returns at once when resumed or cancelled."""
        with self._lock:
            while self._paused and not self._event.is_set():
                self._wakeup.wait(0.5)

    def raise_if_cancelled(self) -> None:
        if self._paused:
            self.wait_while_paused()
        if self._event.is_set():
            raise CancelledError()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking early on cancel; returns ``is_cancelled``."""
        return self._event.wait(timeout)

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when cancelled (immediately if already cancelled)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()


def _noop(fraction: float, stage: str = "") -> None:
    pass


class Progress:
    """Wraps a ``ProgressFn`` so pipelines can hand sub-ranges to their steps.

    ``Progress(cb).span(0.1, 0.9)`` gives a reporter whose 0..1 maps onto 0.1..0.9
    of the parent, so each step reports its own fraction without knowing where it
    sits in a bigger pipeline. Reports never go backwards.
    """

    def __init__(
        self, callback: ProgressFn | None = None, start: float = 0.0, end: float = 1.0, stage_prefix: str = ""
    ):
        self._callback = callback or _noop
        self._start = start
        self._end = end
        self._prefix = stage_prefix
        self._last = -1.0

    def __call__(self, fraction: float, stage: str = "") -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        value = self._start + (self._end - self._start) * fraction
        if value < self._last:
            value = self._last
        self._last = value
        if not stage or self._prefix == f"{stage}: ":  # "downloading: downloading" says it twice
            text = stage or self._prefix.rstrip(": ")
        else:
            text = f"{self._prefix}{stage}"
        self._callback(value, text)

    def span(self, start: float, end: float, stage: str = "") -> Progress:
        lo = self._start + (self._end - self._start) * start
        hi = self._start + (self._end - self._start) * end
        prefix = f"{stage}: " if stage else self._prefix
        return Progress(self._callback, lo, hi, prefix)


def as_progress(progress: ProgressFn | Progress | None) -> Progress:
    return progress if isinstance(progress, Progress) else Progress(progress)


def as_token(cancel: CancelToken | None) -> CancelToken:
    # A fresh token rather than a shared singleton: nobody can cancel everyone else's work.
    return cancel if cancel is not None else CancelToken()
