"""Find ffmpeg and run it: argument lists only, progress from ``-progress pipe:1``,
cancel within a second, and a useful error (command line + stderr tail) on failure.

The binary is, in order: the user's own ffmpeg from the engine settings (or the
``REFRAME_FFMPEG`` environment variable), then the one an installer ships beside the app's
libraries (Linux: built with PyAV's FFmpeg by packaging/linux/build_ffmpeg.sh), then the
static build shipped in the ``imageio-ffmpeg`` wheel (it has libass, libx264 and harfbuzz),
then ``ffmpeg`` on PATH.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import priority
from .errors import CancelledError, DiskFullError, FFmpegError, FFmpegNotFoundError, FileBusyError
from .progress import CancelToken, LogFn, ProgressFn, as_progress, as_token
from .settings import engine_settings

logger = logging.getLogger(__name__)

STDERR_TAIL_LINES = 30


def ffmpeg_exe() -> str:
    """The ffmpeg to run, following the settings as they are now."""
    return _locate(engine_settings().ffmpeg_path)


@functools.lru_cache(maxsize=8)
def _locate(configured: str) -> str:
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return str(configured)
        found = shutil.which(configured)
        if found:
            return found
        raise FFmpegNotFoundError(f"The ffmpeg set in the settings was not found: {configured}")
    bundled = _bundled_ffmpeg()
    if bundled is not None:
        return str(bundled)
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # the wheel may be missing its binary on exotic platforms
        logger.debug("imageio-ffmpeg has no binary: %s", exc)
    found = shutil.which("ffmpeg")
    if found:
        return found
    raise FFmpegNotFoundError("ffmpeg was not found. Reinstall Reframe, or set the path to ffmpeg in Settings.")


def _bundled_ffmpeg() -> Path | None:
    """The ffmpeg a frozen app carries at its top level, next to the FFmpeg libraries that
    PyAV uses too, so one FFmpeg serves decoding and burn-in."""
    bundle = getattr(sys, "_MEIPASS", None)
    if not bundle:
        return None
    exe = Path(bundle) / ("ffmpeg.exe" if sys.platform == "win32" else "ffmpeg")
    return exe if exe.is_file() else None


@dataclass(frozen=True)
class FFmpegInfo:
    path: str
    version: str
    has_libass: bool
    filters: frozenset[str]
    encoders: frozenset[str]


def ffmpeg_info(path: str | None = None) -> FFmpegInfo:
    """Version, libass, filters and encoders of the ffmpeg in use, or of the one at ``path``
    (a settings editor describes a path before it is saved)."""
    return _info(ffmpeg_exe() if path is None else _locate(path.strip()))


@functools.lru_cache(maxsize=8)
def _info(exe: str) -> FFmpegInfo:
    out = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(r"ffmpeg version (\S+)", out)
    filters_out = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True, text=True, timeout=30).stdout
    filters = frozenset(m.group(1) for m in re.finditer(r"^\s*[.A-Z|]{2,3}\s+(\w+)\s", filters_out, re.M))
    enc_out = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30).stdout
    encoders = frozenset(m.group(1) for m in re.finditer(r"^\s*[VAS][.A-Z]{5}\s+(\S+)", enc_out, re.M))
    return FFmpegInfo(
        path=exe,
        version=match.group(1) if match else "unknown",
        has_libass="--enable-libass" in out or "subtitles" in filters,
        filters=filters,
        encoders=encoders,
    )


def format_command(args: Sequence[str]) -> str:
    """A copy-pasteable rendering of an argument list, for logs only (never executed)."""
    return shlex.join(str(a) for a in args)


@dataclass
class FFmpegResult:
    args: list[str]
    returncode: int
    stderr_tail: list[str]
    elapsed: float


def run_ffmpeg(
    args: Sequence[str | os.PathLike],
    *,
    duration: float | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    log: LogFn | None = None,
    stage: str = "",
) -> FFmpegResult:
    """Run ffmpeg with ``args`` (without the executable) and wait for it.

    ``duration`` (seconds of output expected) turns ``out_time`` reports into a
    fraction. Raises :class:`CancelledError` when ``cancel`` fires (the child is
    killed within a second), :class:`FFmpegError` on a non-zero exit.
    """
    token = as_token(cancel)
    report = as_progress(progress)
    emit = log or logger.info
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-y",
        "-progress",
        "pipe:1",
        "-nostats",
        *[os.fspath(a) for a in args],
    ]
    emit(f"$ {format_command(cmd)}")
    token.raise_if_cancelled()

    creationflags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console flash on Windows
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        creationflags=creationflags,
    )
    if priority.is_lowered():  # a job's render, not an interactive preview
        priority.lower_process(proc.pid)
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)

    def read_stderr() -> None:
        assert proc.stderr is not None
        for raw in iter(proc.stderr.readline, b""):
            tail.append(raw.decode("utf-8", "replace").rstrip())

    def read_progress() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            key, _, value = raw.decode("utf-8", "replace").strip().partition("=")
            if key == "out_time_us" and duration and value.isdigit():
                report(min(1.0, int(value) / 1e6 / duration), stage)
            elif key == "progress" and value == "end":
                report(1.0, stage)

    readers = [threading.Thread(target=read_stderr, daemon=True), threading.Thread(target=read_progress, daemon=True)]
    for t in readers:
        t.start()

    cancelled = False
    suspended = False
    while True:
        try:
            proc.wait(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            if token.is_cancelled:
                cancelled = True
                _stop(proc)
                break
            if token.is_paused != suspended:  # a paused job's ffmpeg sleeps (SIGSTOP / SuspendThread)
                suspended = _set_suspended(proc, token.is_paused, emit)
    for t in readers:
        t.join(timeout=2)
    elapsed = time.monotonic() - started
    result = FFmpegResult(cmd, proc.returncode, list(tail), elapsed)

    if cancelled:
        emit(f"ffmpeg cancelled after {elapsed:.2f}s")
        raise CancelledError()
    if proc.returncode != 0:
        stderr_text = "\n".join(tail)
        emit(f"ffmpeg exited with code {proc.returncode}; last stderr lines:\n{stderr_text}")
        detail = f"command: {format_command(cmd)}\nexit code: {proc.returncode}\n{stderr_text}"
        # SIGXFSZ: the kernel stopped ffmpeg at a file size limit (Python children get its default action).
        killed_by_size_limit = proc.returncode == -getattr(signal, "SIGXFSZ", 0) != 0
        if "No space left on device" in stderr_text or "File too large" in stderr_text or killed_by_size_limit:
            raise DiskFullError("The disk is full: ffmpeg could not write its output.", detail=detail)
        if any(marker in stderr_text for marker in _BUSY_MARKERS):
            raise FileBusyError(
                "A file ffmpeg needs is in use by another program; Reframe retries on its own.", detail=detail
            )
        raise FFmpegError(_summarise_failure(tail, proc.returncode), detail=detail)
    emit(f"ffmpeg finished in {elapsed:.2f}s")
    return result


def _set_suspended(proc: subprocess.Popen, suspend: bool, emit: LogFn) -> bool:
    """Suspend or resume the child (psutil: SIGSTOP/SIGCONT on POSIX, portable elsewhere);
    returns whether it is suspended now."""
    import psutil

    try:
        child = psutil.Process(proc.pid)
        if suspend:
            child.suspend()
        else:
            child.resume()
    except psutil.Error:  # it just ended: the wait loop sees that next
        return suspend
    emit("ffmpeg paused" if suspend else "ffmpeg resumed")
    return suspend


def _stop(proc: subprocess.Popen) -> None:
    """Terminate, then kill: the whole stop stays well under a second. A suspended child is
    woken first: a stopped process never acts on SIGTERM."""
    import psutil

    with contextlib.suppress(psutil.Error):
        psutil.Process(proc.pid).resume()
    try:
        proc.terminate()
        proc.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=2)
    except ProcessLookupError:
        pass


#: What ffmpeg prints when a file is held by another program (POSIX and Windows wording).
_BUSY_MARKERS = (
    "Device or resource busy",
    "Resource temporarily unavailable",
    "Text file busy",
    "being used by another process",
)
_NOISE = re.compile(r"^(Press \[q\]|\s*$|frame=|size=)")


def _summarise_failure(tail: Sequence[str], code: int) -> str:
    useful = [line for line in tail if not _NOISE.match(line)]
    last = useful[-1].strip() if useful else f"exit code {code}"
    return f"ffmpeg failed: {last}"
