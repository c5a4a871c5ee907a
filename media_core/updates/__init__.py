"""Self-update that cannot be hijacked: a signed manifest, checked versions, transactional installs.

The flow, one module per concern:

- :mod:`.feed` fetches the manifest (https only, capped, stall-proof);
- :mod:`.manifest` checks its Ed25519 signature against the keys pinned in :mod:`.keys`
  and validates it (plain installer names, sizes, hashes);
- :mod:`.state` refuses downgrades and replays of older releases (the highest version this
  install has seen is kept in the data dir) and limits the start-up check to once a day;
- :mod:`.fetch_asset` downloads the installer at exactly its signed size and sha256;
- :mod:`.install` swaps it in per platform, keeping the old version until the new one runs.

Every refusal is an :class:`UpdateError` (a safety refusal an :class:`UpdateRejectedError`)
with one sentence, and nothing is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import BackendUnavailableError
from ..progress import CancelToken, ProgressFn
from .errors import UpdateError, UpdateRejectedError
from .feed import Offer, feed_url, fetch_offer
from .install import Installation, StepFn, clean_leftovers, detect_installation, install
from .manifest import Asset, Manifest
from .state import accept_offer, check_due, load_state, remember, save_state

__all__ = [
    "AvailableUpdate",
    "UpdateError",
    "UpdateRejectedError",
    "check_due",
    "check_for_update",
    "clean_leftovers",
    "detect_installation",
    "download_update",
    "feed_url",
    "install_update",
    "load_state",
]


@dataclass(frozen=True)
class AvailableUpdate:
    offer: Offer
    #: None when this copy cannot install updates itself (a source checkout).
    asset: Asset | None
    installation: Installation

    @property
    def manifest(self) -> Manifest:
        return self.offer.manifest

    @property
    def version(self) -> str:
        return self.offer.manifest.version

    @property
    def notes(self) -> str:
        return self.offer.manifest.notes


def check_for_update(
    *,
    installed: str = __version__,
    url: str | None = None,
    installation: Installation | None = None,
    offline: bool = False,
    public_keys: tuple[str, ...] | None = None,
) -> AvailableUpdate | None:
    """The verified update for this installation, or None when the installed version is current.

    Raises :class:`UpdateRejectedError` when the feed offers something unsafe (unsigned,
    foreign key, altered, downgrade, replay, bad name) and :class:`UpdateError` when it
    cannot be reached or has no installer for this platform.
    """
    if offline:
        raise BackendUnavailableError("Offline mode is on, so Reframe does not look for updates.")
    installation = installation or detect_installation()
    offer = fetch_offer(url or feed_url(), public_keys=public_keys)
    state = load_state()
    # Seen only once its signature held, so a forged manifest cannot raise the bar either.
    save_state(remember(offer.manifest, state))
    if not accept_offer(offer.manifest, installed, state):
        return None
    asset = offer.manifest.assets.get(installation.platform_key)
    if asset is None and installation.kind != "checkout":
        raise UpdateError(
            f"Reframe {offer.manifest.version} is out, but has no installer for {installation.platform_key}; "
            "download it from the website."
        )
    return AvailableUpdate(offer=offer, asset=asset, installation=installation)


def download_update(
    update: AvailableUpdate,
    *,
    dest_dir: Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    stall_timeout: float = 60.0,
) -> Path:
    from .fetch_asset import download_asset

    if update.asset is None:
        raise UpdateError("This Reframe runs from a source checkout; update it with git, not the updater.")
    return download_asset(
        update.offer, update.asset, dest_dir=dest_dir, progress=progress, cancel=cancel, stall_timeout=stall_timeout
    )


def install_update(update: AvailableUpdate, package: Path, *, on_step: StepFn | None = None) -> Path:
    """Install the downloaded ``package``; returns the executable to restart into."""
    if update.asset is None:
        raise UpdateError("This Reframe runs from a source checkout; update it with git, not the updater.")
    return install(
        update.installation,
        package,
        version=update.version,
        sha256=update.asset.sha256,
        size=update.asset.size,
        on_step=on_step,
    )
