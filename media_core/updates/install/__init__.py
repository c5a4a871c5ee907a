"""Installing a verified update, one module per way Reframe is installed.

:func:`detect_installation` tells how this copy of Reframe was installed; :func:`install`
hands a downloaded, verified installer to the module for that kind. Every kind is
transactional: until the final rename (or the platform installer's own commit), the
installed version is untouched, so a failure or a killed process leaves it working.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UpdateError

#: Called with a step name before each step (the CLI prints them; tests stop the process there).
StepFn = Callable[[str], None]

#: A frozen build's marker beside the executable, written by the packaging: "deb" for the .deb.
INSTALL_KIND_FILE = "install-kind"
#: Set by script launchers (AppRun, the test build) to the path a restart should run.
EXECUTABLE_ENV = "REFRAME_EXECUTABLE"


@dataclass(frozen=True)
class Installation:
    #: "folder" (the .tar.gz one-folder build), "appimage", "deb", "windows", "macos", "checkout".
    kind: str
    #: What to start after the update (the AppImage file itself for an AppImage).
    executable: Path | None

    @property
    def root(self) -> Path | None:
        """What the update replaces: the AppImage file, or the one-folder build's folder."""
        if self.executable is None:
            return None
        return self.executable if self.kind == "appimage" else self.executable.parent

    @property
    def platform_key(self) -> str:
        """The manifest's key for this installation's installer."""
        arch = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(platform.machine().lower())
        arch = arch or platform.machine().lower()
        suffix = {"folder": "tar.gz", "windows": "setup", "macos": "dmg"}.get(self.kind, self.kind)
        os_name = {"windows": "windows", "macos": "macos"}.get(self.kind, "linux")
        return f"{os_name}-{arch}-{suffix}"


def detect_installation() -> Installation:
    if os.environ.get("APPIMAGE"):
        return Installation("appimage", Path(os.environ["APPIMAGE"]))
    launcher = os.environ.get(EXECUTABLE_ENV)
    if launcher:
        executable: Path | None = Path(launcher)
    elif getattr(sys, "frozen", False):
        executable = Path(sys.executable)
    else:
        return Installation("checkout", None)
    assert executable is not None
    if sys.platform.startswith("win"):
        return Installation("windows", executable)
    if sys.platform == "darwin":
        return Installation("macos", executable)
    marker = executable.parent / INSTALL_KIND_FILE
    kind = marker.read_text(encoding="utf-8").strip() if marker.is_file() else "folder"
    return Installation("deb" if kind == "deb" else "folder", executable)


def install(
    installation: Installation, package: Path, *, version: str, sha256: str, size: int, on_step: StepFn | None = None
) -> Path:
    """Install ``package`` (already verified once) and return the executable to restart.

    For the kinds handed to a platform installer (.deb, Windows, macOS) this starts that
    installer and returns; the caller quits so it can replace the files.
    """
    step = on_step or (lambda _name: None)
    if installation.kind == "folder":
        from .folder import install_folder

        assert installation.executable is not None
        return install_folder(installation.executable, package, version=version, sha256=sha256, size=size, on_step=step)
    if installation.kind == "appimage":
        from .appimage import install_appimage

        assert installation.executable is not None
        return install_appimage(
            installation.executable, package, version=version, sha256=sha256, size=size, on_step=step
        )
    if installation.kind in ("deb", "windows", "macos"):
        from .system import start_system_installer

        return start_system_installer(installation, package, sha256=sha256, size=size, on_step=step)
    raise UpdateError("This Reframe runs from a source checkout; update it with git, not the updater.")


def clean_leftovers(installation: Installation | None = None) -> None:
    """Remove what an interrupted update left beside this installation (never the install itself)."""
    installation = installation or detect_installation()
    root = installation.root
    if root is None:
        return
    if installation.kind == "folder":
        from .folder import clean_leftovers as clean_folder

        clean_folder(root)
    elif installation.kind == "appimage":
        for temp in root.parent.glob(f".{root.name}.update-*"):
            temp.unlink(missing_ok=True)
