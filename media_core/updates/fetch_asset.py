"""Downloading the signed installer: exactly its signed size, its signed sha256, https only."""

from __future__ import annotations

from pathlib import Path

from ..download import ChecksumMismatchError, DownloadError, download
from ..paths import cache_dir
from ..progress import CancelToken, ProgressFn
from .errors import UpdateError, UpdateRejectedError
from .feed import Offer, client
from .manifest import Asset, check_asset_name


def updates_cache() -> Path:
    path = cache_dir() / "updates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def download_asset(
    offer: Offer,
    asset: Asset,
    *,
    dest_dir: Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    stall_timeout: float = 60.0,
) -> Path:
    """The installer in the cache, complete and verified; a longer or different body is refused
    and deleted (never more than the signed size is written)."""
    name = check_asset_name(asset.name)
    dest = (dest_dir or updates_cache()) / name
    try:
        with client() as http:
            result = download(
                offer.asset_url(name),
                dest,
                sha256=asset.sha256,
                size=asset.size,
                max_bytes=asset.size,
                client=http,
                progress=progress,
                cancel=cancel,
                stall_timeout=stall_timeout,
                label=f"the update {name}",
                stage=f"downloading {name}",
            )
    except ChecksumMismatchError as exc:
        raise UpdateRejectedError(str(exc), detail=exc.detail) from exc
    except DownloadError as exc:
        # Too long, stalled, refused: download() already deleted the partial bytes when unsafe.
        raise UpdateError(str(exc), detail=exc.detail) from exc
    return result.path
