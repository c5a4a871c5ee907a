"""The signed update manifest: what a release offers, and the check that Reframe's key signed it.

On the wire it is one small JSON envelope::

    {"format": "reframe-update/1",
     "key_id": "<first 16 hex digits of sha256(public key)>",
     "manifest": "<base64 of the manifest's JSON bytes>",
     "signature": "<base64 Ed25519 signature of b'reframe-update/1\\n' + those bytes>"}

The signature covers the exact bytes, so nothing has to be re-serialised to be checked, and
the manifest is parsed only after its signature holds. The prefix keeps a signature made
for anything else with the same key from passing as a manifest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, Field, ValidationError, field_validator

from . import keys
from .errors import UpdateRejectedError

FORMAT = "reframe-update/1"
SIGNED_PREFIX = FORMAT.encode() + b"\n"
#: A manifest lists a handful of installers and release notes: anything larger is not one.
MAX_MANIFEST_BYTES = 256 * 1024
#: Installer names become file names in the download folder: one plain name, nothing else.
_ASSET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
_PLATFORM_KEY = re.compile(r"^(linux|windows|macos)-[a-z0-9_]+-[a-z.]+$")


def check_asset_name(name: str) -> str:
    """``name`` when it is a plain file name (no folder separators, no ``..``, no drive)."""
    if not _ASSET_NAME.match(name) or ".." in name:
        raise UpdateRejectedError(f"The update names its installer {name!r}, which is not a plain file name; refused.")
    return name


def parse_version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise UpdateRejectedError(f"The update manifest has an invalid version {text!r}.") from exc


class Asset(BaseModel):
    name: str
    size: int = Field(gt=0, le=8 * 1024**3)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        return check_asset_name(value)


class Manifest(BaseModel):
    product: str = "reframe"
    version: str
    #: Installs older than this cannot take this update (a migration they lack); they are told
    #: to install it by hand.
    min_version: str = "0"
    released: str = ""
    notes: str = Field("", max_length=64 * 1024)
    #: ``<os>-<arch>-<kind>`` (``linux-x86_64-tar.gz``, ``windows-x86_64-setup``) → installer.
    assets: dict[str, Asset]

    @field_validator("version", "min_version")
    @classmethod
    def _valid_version(cls, value: str) -> str:
        parse_version(value)
        return value

    @field_validator("assets")
    @classmethod
    def _platform_keys(cls, value: dict[str, Asset]) -> dict[str, Asset]:
        for key in value:
            if not _PLATFORM_KEY.match(key):
                raise ValueError(f"unknown platform key {key!r}")
        return value

    @property
    def parsed_version(self) -> Version:
        return Version(self.version)


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def public_key_of(private_key: SigningKey) -> bytes:
    return bytes(private_key.verify_key)


def sign_manifest(manifest: Manifest, private_key: SigningKey) -> bytes:
    """The envelope bytes for ``manifest`` (what ``packaging/sign_release.py`` publishes)."""
    body = manifest.model_dump_json(indent=2).encode()
    envelope = {
        "format": FORMAT,
        "key_id": key_id(public_key_of(private_key)),
        "manifest": base64.b64encode(body).decode(),
        "signature": base64.b64encode(private_key.sign(SIGNED_PREFIX + body).signature).decode(),
    }
    return (json.dumps(envelope, indent=2) + "\n").encode()


def _decode_envelope(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_MANIFEST_BYTES:
        raise UpdateRejectedError(f"The update manifest is larger than {MAX_MANIFEST_BYTES} bytes; refused.")
    try:
        envelope = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UpdateRejectedError("The update manifest is not a signed Reframe manifest; refused.") from exc
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise UpdateRejectedError("The update manifest is not a signed Reframe manifest; refused.")
    if not envelope.get("signature"):
        raise UpdateRejectedError("The update manifest is not signed; refused.")
    return envelope


def _b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UpdateRejectedError(f"The update manifest's {what} is not valid base64; refused.") from exc


def verify_manifest(data: bytes, public_keys: tuple[str, ...] | None = None) -> Manifest:
    """The manifest in envelope ``data`` once a trusted key's signature over it holds
    (``public_keys``: the keys pinned in :mod:`.keys` unless given).

    Raises :class:`UpdateRejectedError` with one sentence for: not a manifest, unsigned,
    signed by an unknown key, altered after signing, or signed but malformed.
    """
    envelope = _decode_envelope(data)
    body = _b64(envelope.get("manifest", ""), "body")
    signature = _b64(envelope["signature"], "signature")
    pinned = keys.PINNED_PUBLIC_KEYS if public_keys is None else public_keys
    trusted = {key_id(raw): raw for raw in (base64.b64decode(k) for k in pinned)}
    raw_key = trusted.get(str(envelope.get("key_id", "")))
    if raw_key is None:
        raise UpdateRejectedError("The update manifest is signed by a key this Reframe does not trust; refused.")
    try:
        VerifyKey(raw_key).verify(SIGNED_PREFIX + body, signature)
    except (BadSignatureError, ValueError) as exc:  # ValueError: not 64 bytes long
        raise UpdateRejectedError(
            "The update manifest's signature does not match its content (altered after signing); refused."
        ) from exc
    try:
        # A bad installer name raises its own UpdateRejectedError straight through pydantic.
        return Manifest.model_validate_json(body)
    except ValidationError as exc:
        raise UpdateRejectedError("The signed update manifest is malformed; refused.", detail=str(exc)) from exc
