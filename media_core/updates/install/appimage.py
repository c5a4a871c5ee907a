"""The AppImage: a new file written beside the running one, tried, then renamed over it.

Steps: ``copy`` the verified download to a temporary file in the AppImage's own folder
(same file system: the rename is atomic) and fsync it; ``try`` it with ``--version``;
``keep-old`` hard-links the current file as ``Reframe.AppImage.old``; ``swap`` renames the
new file over the current one; ``check`` starts it once more and, should it fail now,
renames the old one back. A read-only folder (an AppImage in /opt, on a mounted image)
falls back to ``~/Applications``, and the restart runs the copy there.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from ...paths import fsync_dir, fsync_path
from ..errors import UpdateError
from . import StepFn
from .common import check_starts, verify_file


def user_folder() -> Path:
    return Path.home() / "Applications"


def _can_write(folder: Path) -> bool:
    """Tried, not asked: os.access says yes to root on a read-only mount."""
    probe = folder / f".reframe-write-test-{uuid.uuid4().hex[:8]}"
    try:
        probe.touch(exist_ok=False)
    except OSError:
        return False
    probe.unlink(missing_ok=True)
    return True


def _writable_folder(current: Path) -> Path:
    if _can_write(current.parent):
        return current.parent
    fallback = user_folder()
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def install_appimage(current: Path, download: Path, *, version: str, sha256: str, size: int, on_step: StepFn) -> Path:
    folder = _writable_folder(current)
    target = folder / current.name
    temp = folder / f".{current.name}.update-{uuid.uuid4().hex[:8]}"
    old = target.with_name(target.name + ".old")
    on_step("verify")
    verify_file(download, sha256=sha256, size=size)
    try:
        on_step("copy")
        shutil.copyfile(download, temp)
        temp.chmod(0o755)
        fsync_path(temp)
        verify_file(temp, sha256=sha256, size=size)
        on_step("try")
        check_starts(temp, version)
        on_step("keep-old")
        if target.exists():
            old.unlink(missing_ok=True)
            try:
                os.link(target, old)
            except OSError:
                shutil.copy2(target, old)
        on_step("swap")
        os.replace(temp, target)
        fsync_dir(folder)
    finally:
        temp.unlink(missing_ok=True)
    on_step("check")
    try:
        check_starts(target, version)
    except UpdateError:
        if old.exists():
            os.replace(old, target)
            fsync_dir(folder)
        raise
    on_step("done")
    return target
