"""Where Reframe keeps its files, and how outputs are written safely.

Outputs are written to a temporary sibling and ``os.replace``d into place, so a
crash, a cancel or a full disk never leaves a half-written file under the final
name. Temporary names share one recognisable marker so a later start can sweep
orphans left by a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import PlatformDirs

from .errors import error_from_oserror

if TYPE_CHECKING:  # pragma: no cover
    from .progress import CancelToken

APP_NAME = "Reframe"
#: Every temporary output carries this marker; :func:`sweep_orphan_temps` removes them.
TEMP_MARKER = ".reframe-part-"

_dirs = PlatformDirs(APP_NAME, appauthor=False)


def _env_dir(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    path = Path(value) if value else default
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Root for outputs, models and the job store; ``REFRAME_DATA_DIR`` overrides it (tests, portable installs)."""
    return _env_dir("REFRAME_DATA_DIR", Path(_dirs.user_data_dir))


def config_dir() -> Path:
    return _env_dir("REFRAME_CONFIG_DIR", Path(_dirs.user_config_dir))


def cache_dir() -> Path:
    return _env_dir("REFRAME_CACHE_DIR", Path(_dirs.user_cache_dir))


def models_dir() -> Path:
    path = data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shared_dir() -> Path | None:
    """Storage shared with cluster workers (``REFRAME_SHARED_DIR``): outputs and uploads live there."""
    value = os.environ.get("REFRAME_SHARED_DIR")
    return Path(value) if value else None


def outputs_dir() -> Path:
    shared = shared_dir()
    path = (shared if shared is not None else data_dir()) / "outputs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def temp_path_for(final: Path) -> Path:
    """A temporary sibling of ``final`` that keeps its extension (ffmpeg picks the muxer from it)."""
    final = Path(final)
    return final.with_name(f"{final.stem}{TEMP_MARKER}{uuid.uuid4().hex[:8]}{final.suffix}")


@contextlib.contextmanager
def atomic_output(final: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``final`` atomically.

    On any exception (cancel included) the temporary file is removed and nothing
    appears under ``final``.
    """
    final = Path(final)
    tmp = temp_path_for(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)  # a full disk can refuse this too
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"nothing was written to {tmp}")
        # Without the fsync a power cut after the rename can leave a complete-looking empty
        # file: the rename may reach the disk before the data. Whoever wrote the temp (an
        # ffmpeg child included), its dirty pages belong to the inode, so this flushes them.
        fsync_path(tmp)
        os.replace(tmp, final)
        fsync_dir(final.parent)
    except OSError as exc:
        _unlink_quietly(tmp)
        mapped = error_from_oserror(exc, final)
        if mapped is not None:
            raise mapped from exc
        raise
    except BaseException:
        _unlink_quietly(tmp)
        raise


def fsync_path(path: str | os.PathLike) -> None:
    """Flush a written file (or folder) to the disk; an error here means lost data, so it is raised."""
    # Windows can only flush a handle open for writing; a folder opens read-only.
    fd = os.open(path, os.O_RDONLY if os.path.isdir(path) else os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: str | os.PathLike) -> None:
    """Make a rename inside ``folder`` durable where the OS allows it (not on Windows, not
    on every file system): best effort."""
    with contextlib.suppress(OSError):
        fsync_path(folder)


def _open_private(tmp: Path, mode: int | None):
    """``open(tmp, "wb")``; with ``mode`` the file is created with those permissions from
    the first byte (a secret is never readable by others, not even for a moment)."""
    if mode is None:
        return open(tmp, "wb")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    if hasattr(os, "fchmod"):  # POSIX: a umask may only remove bits; make it exactly ``mode``
        with contextlib.suppress(OSError):
            os.fchmod(fd, mode)
    return os.fdopen(fd, "wb")


def write_text_atomic(final: str | os.PathLike, text: str, encoding: str = "utf-8", *, mode: int | None = None) -> Path:
    """Write ``text`` atomically; ``mode=0o600`` for settings and secrets."""
    return write_bytes_atomic(final, text.encode(encoding), mode=mode)


def write_bytes_atomic(final: str | os.PathLike, data: bytes, *, mode: int | None = None) -> Path:
    final = Path(final)
    with atomic_output(final) as tmp, _open_private(tmp, mode) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return final


def sweep_orphan_temps(root: str | os.PathLike, min_age: float = 0.0) -> list[Path]:
    """Delete temporary outputs a crashed run left below ``root``; returns what was removed.
    ``min_age`` (seconds) spares temps modified more recently: another process may be
    writing them right now."""
    removed: list[Path] = []
    root = Path(root)
    if not root.exists():
        return removed
    cutoff = time.time() - min_age
    for path in root.rglob(f"*{TEMP_MARKER}*"):
        try:
            if path.is_file() and (not min_age or path.stat().st_mtime < cutoff):
                path.unlink()
                removed.append(path)
        except OSError:  # vanished meanwhile, or not ours to delete: leave it
            pass
    return removed


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def new_work_dir(prefix: str = "work-") -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix, dir=cache_dir()))


def file_sha256(path: str | os.PathLike, cancel: CancelToken | None = None) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks; ``cancel`` is checked between chunks."""
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            if cancel is not None:
                cancel.raise_if_cancelled()
    return sha.hexdigest()
