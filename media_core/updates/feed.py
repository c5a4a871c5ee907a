"""Fetching the signed manifest: https only, every byte capped, a stalled server cut off.

The feed is one URL that answers with the newest release's signed manifest (on GitHub,
``releases/latest/download/reframe-update.json`` redirects to it). Installers are fetched
from beside the manifest: their URL is the manifest's final URL with the file name swapped,
so the manifest cannot point anywhere else.

Environment (documented in the README):
``REFRAME_UPDATE_FEED``        another feed URL (a mirror, a test server);
``REFRAME_UPDATE_ALLOW_HTTP``  ``1`` lets that feed be plain http (a local mirror, the tests).
Without the second, any http URL, including a redirect to one, is refused.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import httpx

from .errors import UpdateError, UpdateRejectedError
from .manifest import MAX_MANIFEST_BYTES, Manifest, check_asset_name, verify_manifest

DEFAULT_FEED = "https://github.com/reframe-app/reframe/releases/latest/download/reframe-update.json"
#: A manifest must arrive within this time in total, however slowly a server trickles it.
FEED_DEADLINE_S = 120.0


def feed_url() -> str:
    return os.environ.get("REFRAME_UPDATE_FEED") or DEFAULT_FEED


def http_allowed() -> bool:
    return os.environ.get("REFRAME_UPDATE_ALLOW_HTTP", "").strip().lower() in ("1", "true", "yes")


def require_secure(url: str | httpx.URL) -> None:
    scheme = httpx.URL(str(url)).scheme
    if scheme == "https" or (scheme == "http" and http_allowed()):
        return
    raise UpdateRejectedError(
        f"Updates are fetched over https only, and {url} is not (REFRAME_UPDATE_ALLOW_HTTP=1 allows a test mirror)."
    )


def _check_request(request: httpx.Request) -> None:
    require_secure(request.url)  # every hop of a redirect too


def client(timeout: float = 30.0) -> httpx.Client:
    """An httpx client that refuses plain http (redirects included) unless allowed."""
    return httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        event_hooks={"request": [_check_request]},
        headers={"User-Agent": "Reframe", "Accept-Encoding": "identity"},
    )


@dataclass(frozen=True)
class Offer:
    manifest: Manifest
    #: Where the manifest was finally read from; installers live beside it.
    manifest_url: str

    def asset_url(self, name: str) -> str:
        return str(httpx.URL(self.manifest_url).join(check_asset_name(name)))


def read_capped(
    url: str, limit: int, *, timeout: float = 30.0, deadline_s: float = FEED_DEADLINE_S
) -> tuple[bytes, str]:
    """The body at ``url`` (and the final URL), refused past ``limit`` bytes or ``deadline_s``."""
    require_secure(url)
    started = time.monotonic()
    chunks: list[bytes] = []
    received = 0
    try:
        with client(timeout) as http, http.stream("GET", url) as response:
            response.raise_for_status()
            for chunk in response.iter_bytes(16 * 1024):
                received += len(chunk)
                if received > limit:
                    raise UpdateRejectedError(f"The update feed sent more than {limit} bytes; refused.")
                if time.monotonic() - started > deadline_s:
                    raise UpdateError(f"The update feed did not finish within {deadline_s:.0f} s; try again later.")
                chunks.append(chunk)
            final_url = str(response.url)
    except httpx.TimeoutException as exc:
        raise UpdateError("The update server stopped answering; try again later.", detail=str(exc)) from exc
    except httpx.HTTPStatusError as exc:
        raise UpdateError(
            f"The update feed answered HTTP {exc.response.status_code}; try again later.", detail=str(exc)
        ) from exc
    except httpx.HTTPError as exc:
        raise UpdateError("Could not reach the update server. Check your connection.", detail=str(exc)) from exc
    return b"".join(chunks), final_url


def fetch_offer(url: str | None = None, *, public_keys: tuple[str, ...] | None = None, timeout: float = 30.0) -> Offer:
    """The verified manifest the feed offers now (signature checked, names checked)."""
    data, final_url = read_capped(url or feed_url(), MAX_MANIFEST_BYTES, timeout=timeout)
    manifest = verify_manifest(data, public_keys)
    return Offer(manifest=manifest, manifest_url=final_url)
