"""Run an engine call so that Ctrl-C cancels it cleanly instead of killing it mid-write.

The work runs in a worker thread while the main thread waits; SIGINT only sets the
cancel token, the engine stops at its next safe point and cleans up its temporary
files, and the caller sees a CancelledError. A second Ctrl-C gives up waiting.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TypeVar

from media_core.errors import CancelledError
from media_core.progress import CancelToken

T = TypeVar("T")


def run_with_cancel(work: Callable[[CancelToken], T]) -> T:
    token = CancelToken()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work(token)
        except BaseException as exc:  # handed to the main thread, re-raised there
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="reframe-cli-job", daemon=True)
    in_main = threading.current_thread() is threading.main_thread()
    previous = None
    if in_main:

        def on_sigint(signum, frame):
            if token.is_cancelled:
                raise KeyboardInterrupt  # second Ctrl-C: stop waiting
            token.cancel()

        previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        raise CancelledError("Cancelled.") from None
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
