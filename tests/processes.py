"""Real processes for the tests: a Redis broker, workers, a `reframe serve` (all on 127.0.0.1,
free ports, files in the test's tmp folder, stopped by the test that started them), and
waiting for processes a killed test child left behind, by what they are, not by the clock."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 60.0, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process ended ({proc.returncode}): {log.read_text() if log else ''}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}: {log.read_text() if log else ''}")


class RedisBroker:
    """Debian's redis-server on a free loopback port with a throwaway data folder."""

    def __init__(self, folder: Path):
        exe = shutil.which("redis-server")
        assert exe, "redis-server is not installed (packaging/dev/setup.sh installs it)"
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.log = folder / "redis.log"
        args = [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(folder)]
        args += ["--save", "", "--appendonly", "no", "--protected-mode", "yes", "--logfile", str(self.log)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc, log=self.log)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        stop(self.proc)


def reframe(args: list[str], *, log: Path, env: dict[str, str], new_session: bool = False) -> subprocess.Popen:
    """``python -m media_core ARGS`` of this checkout, output into ``log``; ``new_session``
    puts it in a process group of its own (its ffmpeg children can be signalled with it)."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", **env}
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "media_core", *args],
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )


def stop(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


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
