"""Steps every install kind shares: re-checking the downloaded file, trying a new build."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from ..errors import UpdateError, UpdateRejectedError
from . import EXECUTABLE_ENV

#: A new build must answer ``--version`` within this time to count as starting.
START_TIMEOUT_S = 300.0


def verify_file(path: Path, *, sha256: str, size: int) -> None:
    """The file on disk is exactly the signed one (it is read again: the cache is not trusted)."""
    if path.stat().st_size != size:
        raise UpdateRejectedError(f"The downloaded update {path.name} has the wrong size; refused.")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha256:
        raise UpdateRejectedError(f"The downloaded update {path.name} does not match its signed checksum; refused.")


def check_starts(executable: Path, version: str) -> None:
    """Run ``executable --version``; it must exit 0 and name ``version``, or the update is not installed."""
    env = {k: v for k, v in os.environ.items() if k not in ("APPIMAGE", "APPDIR", EXECUTABLE_ENV)}
    try:
        done = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=START_TIMEOUT_S, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UpdateError(f"The new version did not start ({exc}); the installed version was kept.") from exc
    said = (done.stdout + done.stderr).strip()
    if done.returncode != 0 or version not in said.split()[-1:]:
        raise UpdateError(
            f"The new version did not start correctly (--version said {said[-200:]!r}); the installed version was kept."
        )
