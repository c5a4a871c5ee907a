"""Self-update from a GitHub Releases feed: find a newer release, download its installer
for this platform with progress, verify it against the release's ``SHA256SUMS``.

The feed is the GitHub REST "latest release" document; ``REFRAME_UPDATE_FEED`` points
it elsewhere (a mirror, a test server). Installing is left to the platform's own
installer, started by the app after the user agrees, so a failed download can never
leave a half-replaced application behind.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import httpx
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel

from . import __version__
from .download import download
from .errors import BackendUnavailableError, ReframeError
from .paths import cache_dir
from .progress import CancelToken, ProgressFn, as_progress

DEFAULT_FEED = "https://api.github.com/repos/reframe-app/reframe/releases/latest"
CHECKSUM_ASSET = "SHA256SUMS"
#: Reframe's installers are a few hundred MB; a feed announcing more is not to be trusted.
MAX_INSTALLER_BYTES = 2 << 30

#: Installer suffixes per platform, in order of preference.
_PLATFORM_SUFFIXES = {
    "windows": (".exe", ".msi"),
    "macos": (".dmg", ".pkg"),
    "linux": (".AppImage", ".tar.gz", ".deb"),
}


class UpdateError(ReframeError):
    code = "update_failed"
    transient = True


class UpdateAsset(BaseModel):
    name: str
    url: str
    size: int = 0


class UpdateInfo(BaseModel):
    version: str
    tag: str
    notes: str = ""
    published_at: str | None = None
    page_url: str | None = None
    asset: UpdateAsset
    checksums_url: str | None = None


def feed_url() -> str:
    return os.environ.get("REFRAME_UPDATE_FEED", DEFAULT_FEED)


def current_platform() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def _parse_version(tag: str) -> Version | None:
    try:
        return Version(tag.lstrip("vV"))
    except InvalidVersion:
        return None


def _pick_asset(assets: list[dict], plat: str) -> UpdateAsset | None:
    machine = platform.machine().lower()
    arch_words = {
        "x86_64": ("x86_64", "amd64", "x64"),
        "amd64": ("x86_64", "amd64", "x64"),
        "arm64": ("arm64", "aarch64"),
        "aarch64": ("arm64", "aarch64"),
    }.get(machine, (machine,))
    for suffix in _PLATFORM_SUFFIXES[plat]:
        matches = [a for a in assets if a.get("name", "").endswith(suffix)]
        # Prefer a build for this CPU when the release has several.
        matches.sort(key=lambda a: not any(w in a["name"].lower() for w in arch_words))
        if matches:
            a = matches[0]
            return UpdateAsset(name=a["name"], url=a["browser_download_url"], size=int(a.get("size") or 0))
    return None


def check_for_update(
    *,
    current: str = __version__,
    url: str | None = None,
    plat: str | None = None,
    offline: bool = False,
    include_prereleases: bool = False,
    timeout: float = 10.0,
) -> UpdateInfo | None:
    """The newest release when it is newer than ``current`` and has an installer for us."""
    if offline:
        raise BackendUnavailableError("Offline mode is on, so Reframe does not look for updates.")
    try:
        response = httpx.get(
            url or feed_url(),
            timeout=timeout,
            follow_redirects=True,
            headers={"Accept": "application/vnd.github+json", "User-Agent": f"Reframe/{current}"},
        )
        response.raise_for_status()
        release = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise UpdateError("Could not check for updates. Check your connection and try again.", detail=str(exc)) from exc
    if isinstance(release, list):  # a /releases listing rather than /releases/latest
        candidates = [r for r in release if not r.get("draft") and (include_prereleases or not r.get("prerelease"))]
        release = max(candidates, key=lambda r: _parse_version(r.get("tag_name", "")) or Version("0"), default=None)
        if release is None:
            return None
    tag = str(release.get("tag_name", ""))
    latest = _parse_version(tag)
    if latest is None or latest <= Version(current):
        return None
    if latest.is_prerelease and not include_prereleases:
        return None
    assets = release.get("assets") or []
    asset = _pick_asset(assets, plat or current_platform())
    if asset is None:
        return None
    sums = next((a["browser_download_url"] for a in assets if a.get("name") == CHECKSUM_ASSET), None)
    return UpdateInfo(
        version=str(latest),
        tag=tag,
        notes=release.get("body") or "",
        published_at=release.get("published_at"),
        page_url=release.get("html_url"),
        asset=asset,
        checksums_url=sums,
    )


def _expected_sha256(info: UpdateInfo, timeout: float) -> str:
    if not info.checksums_url:
        raise UpdateError(f"Release {info.tag} publishes no {CHECKSUM_ASSET}; the download cannot be verified.")
    try:
        response = httpx.get(info.checksums_url, timeout=timeout, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise UpdateError("Could not fetch the release checksums.", detail=str(exc)) from exc
    for line in response.text.splitlines():
        match = re.match(r"^([0-9a-fA-F]{64})\s+\*?(.+)$", line.strip())
        if match and match.group(2).strip() == info.asset.name:
            return match.group(1).lower()
    raise UpdateError(f"{CHECKSUM_ASSET} of {info.tag} has no entry for {info.asset.name}.")


def download_update(
    info: UpdateInfo,
    dest_dir: str | os.PathLike | None = None,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the installer, verify its SHA-256 and return its path (atomic: all or nothing;
    an interrupted download resumes on the next call)."""
    report = as_progress(progress)
    expected = _expected_sha256(info, timeout)
    dest = Path(dest_dir) if dest_dir else cache_dir() / "updates"
    download(
        info.asset.url,
        dest / info.asset.name,
        sha256=expected,
        # GitHub states each asset's exact size; without one, no installer is near the cap.
        size=info.asset.size or None,
        max_bytes=MAX_INSTALLER_BYTES,
        progress=report,
        cancel=cancel,
        timeout=timeout,
        headers={"User-Agent": f"Reframe/{__version__}"},
        label=f"the update {info.asset.name}",
    )
    report(1.0, "update downloaded")
    return dest / info.asset.name


def launch_installer(path: str | os.PathLike) -> None:
    """Hand the verified installer to the OS; the app quits afterwards so files can be replaced."""
    path = Path(path)
    plat = current_platform()
    if plat == "windows":
        os.startfile(str(path))  # type: ignore[attr-defined]  # runs the installer with its UAC prompt
    elif plat == "macos":
        subprocess.Popen(["open", str(path)])
    elif path.suffix == ".AppImage" and os.environ.get("APPIMAGE"):
        # An AppImage replaces itself: swap the file the running image came from.
        target = Path(os.environ["APPIMAGE"])
        path.chmod(0o755)
        os.replace(path, target)
    else:
        subprocess.Popen(["xdg-open", str(path)])
