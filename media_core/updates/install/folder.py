"""The .tar.gz one-folder build: unpack beside, try it, swap the folders in one rename.

Layout: ``<parent>/Reframe/`` is the installed build (its executable inside). The new
archive holds one top folder with the same name. Steps:

1. ``unpack``: into ``<parent>/.Reframe.update/`` (same file system, so renames are atomic),
   with the tarfile ``data`` filter (no absolute names, no ``..``, no links out, no devices)
   and a cap on the unpacked size;
2. ``try``: the new executable must answer ``--version`` with the signed version;
3. ``swap``: ``renameat2(RENAME_EXCHANGE)`` trades the two folders in one atomic step, so
   ``<parent>/Reframe`` is always a complete build, old or new;
4. ``keep-old``: the previous build becomes ``<parent>/Reframe.old`` (the one before is removed).

Killed before 3, the old build is untouched and the leftover staging folder is removed by
the next update; killed after 3, the new build is in place. File systems without
RENAME_EXCHANGE fall back to two renames (a crash between them leaves ``Reframe.old`` and
the new build in the staging folder, both complete; the next update or the user renames).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import tarfile
from pathlib import Path

from ...paths import fsync_dir
from ..errors import UpdateError, UpdateRejectedError
from . import StepFn
from .common import check_starts, verify_file

#: Unpacked size and entry count a release archive may not exceed (the build is under 1 GB).
MAX_UNPACKED_BYTES = 4 * 1024**3
MAX_ENTRIES = 200_000
_RENAME_EXCHANGE = 2


def staging_dir(root: Path) -> Path:
    return root.with_name(f".{root.name}.update")


def old_dir(root: Path) -> Path:
    return root.with_name(f"{root.name}.old")


def _unpack(archive: Path, into: Path) -> None:
    with tarfile.open(archive, "r:*") as tar:
        members = []
        total = 0
        for count, member in enumerate(tar, 1):
            total += max(member.size, 0)
            if count > MAX_ENTRIES or total > MAX_UNPACKED_BYTES:
                raise UpdateRejectedError("The update archive unpacks to more than a release can hold; refused.")
            members.append(member)
        try:
            tar.extractall(into, members=members, filter="data")
        except tarfile.FilterError as exc:
            raise UpdateRejectedError(f"The update archive has an unsafe entry ({exc}); refused.") from exc


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where the OS cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def clean_leftovers(root: Path) -> None:
    """Remove what an interrupted update left beside the build (never the build itself)."""
    shutil.rmtree(staging_dir(root), ignore_errors=True)


def install_folder(executable: Path, archive: Path, *, version: str, sha256: str, size: int, on_step: StepFn) -> Path:
    root = executable.parent
    staging = staging_dir(root)
    if not os.access(root.parent, os.W_OK):
        raise UpdateError(
            f"Reframe's folder {root.parent} is not writable, so it cannot update itself; "
            "download the new version and unpack it by hand."
        )
    on_step("verify")
    verify_file(archive, sha256=sha256, size=size)
    clean_leftovers(root)
    try:
        on_step("unpack")
        staging.mkdir()
        _unpack(archive, staging)
        new_root = staging / root.name
        new_executable = new_root / executable.name
        if not new_executable.is_file():
            raise UpdateRejectedError(f"The update archive has no {root.name}/{executable.name}; refused.")
        on_step("try")
        check_starts(new_executable, version)
        os.sync()  # the unpacked files reach the disk before the swap makes them the install
        on_step("swap")
        _swap(root, new_root)
    except BaseException:
        clean_leftovers(root)
        raise
    on_step("keep-old")
    shutil.rmtree(old_dir(root), ignore_errors=True)
    os.replace(new_root, old_dir(root))  # new_root now holds the previous build
    shutil.rmtree(staging, ignore_errors=True)
    fsync_dir(root.parent)
    on_step("done")
    return executable


def _swap(root: Path, new_root: Path) -> None:
    if exchange(new_root, root):
        fsync_dir(root.parent)
        return
    # No atomic exchange here: two renames, the old build first kept aside whole.
    shutil.rmtree(old_dir(root), ignore_errors=True)
    os.replace(root, old_dir(root))
    try:
        os.replace(new_root, root)
    except OSError:
        os.replace(old_dir(root), root)
        raise
    # Keep the later "keep-old" step's view: new_root holds the previous build.
    os.replace(old_dir(root), new_root)
    fsync_dir(root.parent)
