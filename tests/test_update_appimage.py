"""The AppImage install: written beside the running file, tried, swapped by rename, the old one
kept; a new file that does not start is never swapped in. The AppImages here are single-file
executables answering ``--version`` like the real one (the install treats the file as opaque)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from media_core.updates.errors import UpdateError, UpdateRejectedError
from media_core.updates.install import Installation, detect_installation
from media_core.updates.install.appimage import install_appimage


def single_file_app(path: Path, version: str, *, starts: bool = True) -> Path:
    body = f'echo "reframe {version}"' if starts else 'echo "cannot mount" >&2; exit 1'
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def _install(current: Path, new: Path, steps: list[str], version: str = "2.0.0") -> Path:
    data = new.read_bytes()
    return install_appimage(
        current, new, version=version, sha256=hashlib.sha256(data).hexdigest(), size=len(data), on_step=steps.append
    )


def _says(exe: Path) -> str:
    import subprocess

    return subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True).stdout.strip()


def test_appimage_is_replaced_next_to_itself_and_the_old_one_kept(tmp_path):
    (tmp_path / "apps").mkdir()
    current = single_file_app(tmp_path / "apps" / "Reframe.AppImage", "1.0.0")
    new = single_file_app(tmp_path / "download.AppImage", "2.0.0")
    steps: list[str] = []
    target = _install(current, new, steps)
    assert target == current
    assert steps == ["verify", "copy", "try", "keep-old", "swap", "check", "done"]
    assert _says(current) == "reframe 2.0.0"
    assert _says(current.with_name("Reframe.AppImage.old")) == "reframe 1.0.0"
    assert sorted(p.name for p in current.parent.iterdir()) == ["Reframe.AppImage", "Reframe.AppImage.old"]


def test_a_new_appimage_that_does_not_start_is_not_installed(tmp_path):
    (tmp_path / "apps").mkdir()
    current = single_file_app(tmp_path / "apps" / "Reframe.AppImage", "1.0.0")
    broken = single_file_app(tmp_path / "download.AppImage", "2.0.0", starts=False)
    with pytest.raises(UpdateError, match=r"did not start correctly.*the installed version was kept"):
        _install(current, broken, [])
    assert _says(current) == "reframe 1.0.0"
    assert [p.name for p in current.parent.iterdir()] == ["Reframe.AppImage"]


def test_a_tampered_download_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "apps").mkdir()
    current = single_file_app(tmp_path / "apps" / "Reframe.AppImage", "1.0.0")
    new = single_file_app(tmp_path / "download.AppImage", "2.0.0")
    with pytest.raises(UpdateRejectedError, match="does not match its signed checksum"):
        install_appimage(current, new, version="2.0.0", sha256="0" * 64, size=new.stat().st_size, on_step=print)
    assert [p.name for p in current.parent.iterdir()] == ["Reframe.AppImage"]


def test_a_read_only_location_falls_back_to_the_users_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # /proc refuses new files even to root, like an AppImage on a read-only mount.
    current = Path("/proc/Reframe.AppImage")
    new = single_file_app(tmp_path / "download.AppImage", "2.0.0")
    target = _install(current, new, [])
    assert target == tmp_path / "home" / "Applications" / "Reframe.AppImage"
    assert _says(target) == "reframe 2.0.0"


def test_detects_an_appimage_from_its_runtime(monkeypatch, tmp_path):
    monkeypatch.setenv("APPIMAGE", str(tmp_path / "Reframe.AppImage"))
    found = detect_installation()
    assert found == Installation("appimage", tmp_path / "Reframe.AppImage")
    assert found.platform_key.startswith("linux-") and found.platform_key.endswith("-appimage")
