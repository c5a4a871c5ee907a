"""Waiting for processes a killed test child left behind, by what they are, not by the clock."""

from __future__ import annotations

import time
from pathlib import Path

import psutil


def wait_for_orphans(folder: str | Path, guard_s: float = 600.0) -> None:
    """Return once no process has ``folder`` on its command line (an ffmpeg orphaned by a
    killed job ends on its next progress write). ``guard_s`` only stops a hang."""
    needle = str(folder)
    deadline = time.monotonic() + guard_s
    while time.monotonic() < deadline:
        alive = []
        for proc in psutil.process_iter(["cmdline"]):
            try:
                if any(needle in arg for arg in proc.info["cmdline"] or ()):
                    alive.append(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        if not alive:
            return
        psutil.wait_procs(alive, timeout=0.5)
    raise AssertionError(f"processes working in {needle} never ended")
