"""Kinds whose files belong to the platform's installer: the .deb, Windows (Inno Setup), macOS.

The verified installer is started and Reframe quits; the installer's own transaction
(dpkg's, Inno Setup's) keeps the old version until the new one is complete. Inno Setup
waits for Reframe to close through ``AppMutex`` (the app holds that mutex while it runs,
see :func:`hold_app_mutex`) and closes it with ``CloseApplications`` if it is still open.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import UpdateError
from . import Installation, StepFn
from .common import verify_file

#: The same name as ``AppMutex`` in packaging/windows/reframe.iss.
APP_MUTEX = "ReframeAppMutex"
_mutex_handle: int | None = None


def hold_app_mutex() -> None:
    """On Windows, hold the named mutex the installer waits on (a no-op elsewhere)."""
    global _mutex_handle
    if sys.platform.startswith("win") and _mutex_handle is None:
        import ctypes

        _mutex_handle = ctypes.windll.kernel32.CreateMutexW(None, False, APP_MUTEX)  # type: ignore[attr-defined]


def _command(installation: Installation, package: Path) -> list[str]:
    if installation.kind == "windows":
        # Silent, closes a running Reframe, starts the new one ([Run] entry checked by WizardSilent).
        return [str(package), "/SILENT", "/SP-", "/NOCANCEL", "/CLOSEAPPLICATIONS", "/NORESTART"]
    if installation.kind == "macos":
        return ["open", str(package)]
    pkexec = shutil.which("pkexec")
    if pkexec and shutil.which("apt-get"):
        return [pkexec, "apt-get", "install", "--yes", str(package)]
    return ["xdg-open", str(package)]


def start_system_installer(
    installation: Installation, package: Path, *, sha256: str, size: int, on_step: StepFn
) -> Path:
    on_step("verify")
    verify_file(package, sha256=sha256, size=size)
    on_step("hand-over")
    try:
        subprocess.Popen(_command(installation, package), start_new_session=True)
    except OSError as exc:
        raise UpdateError(f"Could not start the installer {package.name} ({exc}); Reframe was not changed.") from exc
    assert installation.executable is not None
    return installation.executable
