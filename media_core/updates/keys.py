"""The release-signing public keys this build trusts (Ed25519, raw 32 bytes, base64).

A manifest is accepted only when one of these keys signed it, so whoever controls the
download server, a mirror or the release page cannot publish an update. The private half
is the release workflow's secret ``REFRAME_RELEASE_SIGNING_KEY``; rotating it means
shipping a release that lists the new key here first (both keys for one release).
"""

from __future__ import annotations

PINNED_PUBLIC_KEYS: tuple[str, ...] = ("2t24jmkCl/xEf/UAw8WKz0yvEn/rIya3a5QCAmo4S10=",)
