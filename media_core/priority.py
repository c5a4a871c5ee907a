"""Background work yields the CPU to the person using the machine.

A transcription and a render together fill every core of a small laptop; at equal
priority the window (and everything else on the desktop) then waits its turn and
stutters. Job threads run below normal priority, and so do the threads and processes
they start: on Linux a thread's nice value is inherited by the threads it creates
(CTranslate2's and ONNX Runtime's pools) and by the processes it forks (ffmpeg).
Nothing here fails a job: an OS that refuses simply keeps normal priority.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

#: How much nicer background work is (POSIX nice increment; 10 is what `nice` defaults to).
NICE = 10
_lowered = threading.local()


def lower_current_thread() -> None:
    """Run the calling thread (and what it starts) below normal priority; idempotent."""
    if getattr(_lowered, "done", False):
        return
    _lowered.done = True
    try:
        if sys.platform.startswith("linux"):
            tid = threading.get_native_id()  # on Linux the "process" priority of a TID is the thread's
            current = os.getpriority(os.PRIO_PROCESS, tid)
            os.setpriority(os.PRIO_PROCESS, tid, max(current, NICE))
        elif sys.platform == "win32":
            import ctypes

            below_normal = -1
            kernel32 = ctypes.windll.kernel32
            kernel32.SetThreadPriority(kernel32.GetCurrentThread(), below_normal)
    except OSError as exc:
        log.debug("could not lower the job thread's priority: %s", exc)


def is_lowered() -> bool:
    """Whether the calling thread runs background work (see :func:`lower_current_thread`)."""
    return getattr(_lowered, "done", False)


def lower_process(pid: int) -> None:
    """Put a child process (ffmpeg) below normal priority on every OS."""
    try:
        import psutil

        process = psutil.Process(pid)
        if sys.platform == "win32":
            process.nice(psutil.BELOW_NORMAL_PRIORITY_CLASS)
        elif process.nice() < NICE:
            process.nice(NICE)
    except Exception as exc:  # the process may already have ended; priority is a courtesy
        log.debug("could not lower the priority of process %s: %s", pid, exc)
