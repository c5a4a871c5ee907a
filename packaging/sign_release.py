"""Write the signed update manifest (``reframe-update.json``) for a release's installers.

    python packaging/sign_release.py --generate-key release.key   # once: prints the public key to pin
    REFRAME_RELEASE_SIGNING_KEY=... python packaging/sign_release.py dist/*.tar.gz dist/*.deb ...
    python packaging/sign_release.py --key-file release.key --notes-file notes.md dist/*

The key is the raw Ed25519 private key in base64, from ``--key-file`` or the environment
variable ``REFRAME_RELEASE_SIGNING_KEY`` (the release workflow's secret). The version is
the app's own (pyproject.toml); ``--version`` must agree with it. Each installer's
platform key is taken from its file name (``--asset KEY=PATH`` names it explicitly).
The manifest is written with the app's own code (media_core.updates.manifest), so the
app reads exactly what this script writes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nacl.signing import SigningKey

from media_core import __version__
from media_core.updates import keys
from media_core.updates.manifest import Asset, Manifest, key_id, public_key_of, sign_manifest

KEY_ENV = "REFRAME_RELEASE_SIGNING_KEY"
_ARCH = (("x86_64", "x86_64"), ("amd64", "x86_64"), ("x64", "x86_64"), ("aarch64", "arm64"), ("arm64", "arm64"))


def platform_key(name: str) -> str | None:
    """``linux-x86_64-tar.gz`` etc. for the installers packaging/build.sh and the workflow make."""
    lower = name.lower()
    arch = next((a for word, a in _ARCH if re.search(rf"[-_.]{word}[-_.]", f"-{lower}-")), "x86_64")
    if lower.endswith(".tar.gz") and "linux" in lower:
        return f"linux-{arch}-tar.gz"
    if lower.endswith(".appimage"):
        return f"linux-{arch}-appimage"
    if lower.endswith(".deb"):
        return f"linux-{arch}-deb"
    if lower.endswith("-setup.exe"):
        return f"windows-{arch}-setup"
    if lower.endswith(".dmg"):
        return f"macos-{arch if 'x86_64' in lower or 'x64' in lower else 'arm64'}-dmg"
    return None


def load_key(key_file: str | None) -> SigningKey:
    text = Path(key_file).read_text(encoding="ascii") if key_file else os.environ.get(KEY_ENV, "")
    if not text.strip():
        sys.exit(f"sign_release: no key: pass --key-file or set {KEY_ENV}")
    try:
        return SigningKey(base64.b64decode(text.strip(), validate=True))
    except ValueError as exc:  # binascii.Error and nacl's wrong-length error are both ValueErrors
        sys.exit(f"sign_release: the key is not a base64 raw Ed25519 private key ({exc})")


def check_pinned(key: SigningKey) -> None:
    """Refuse a key whose public half the app does not pin: every installed Reframe would
    reject its manifest, and the release would be published with updates that never install."""
    raw = public_key_of(key)
    public = base64.b64encode(raw).decode()
    if public not in keys.PINNED_PUBLIC_KEYS:
        sys.exit(
            f"sign_release: key {key_id(raw)} (public {public}) is not pinned in "
            "media_core/updates/keys.py, so installed apps would refuse this manifest. Pin it first "
            "(--allow-unpinned-key signs anyway, for tests and mirrors with their own build)."
        )


def generate_key(path: Path) -> str:
    """A new private key in ``path`` (0600, never overwritten); returns the public key (base64)."""
    key = SigningKey.generate()
    raw = bytes(key)  # the 32-byte seed: the raw Ed25519 private key
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(base64.b64encode(raw).decode() + "\n")
    return base64.b64encode(public_key_of(key)).decode()


def describe(path: Path) -> Asset:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return Asset(name=path.name, size=path.stat().st_size, sha256=digest.hexdigest())


def build_manifest(args: argparse.Namespace) -> Manifest:
    assets: dict[str, Asset] = {}
    for spec in args.asset:
        key, _, path = spec.partition("=")
        assets[key] = describe(Path(path))
    for path in map(Path, args.installers):
        key = platform_key(path.name)
        if key is None:
            sys.exit(f"sign_release: cannot tell the platform of {path.name}; use --asset KEY={path}")
        assets.setdefault(key, describe(path))
    if not assets:
        sys.exit("sign_release: no installers given")
    notes = Path(args.notes_file).read_text(encoding="utf-8") if args.notes_file else args.notes
    return Manifest(
        version=args.version,
        min_version=args.min_version,
        released=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        notes=notes,
        assets=assets,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("installers", nargs="*", help="installer files (platform from the name)")
    parser.add_argument(
        "--asset", action="append", default=[], metavar="KEY=PATH", help="installer with its platform key"
    )
    parser.add_argument("--version", default=__version__, help="release version (default and check: the app's own)")
    parser.add_argument(
        "--allow-version-mismatch",
        action="store_true",
        help="sign another version than this checkout's (tests, mirrors)",
    )
    parser.add_argument(
        "--allow-unpinned-key",
        action="store_true",
        help="sign with a key this checkout does not pin (tests, mirrors with their own build)",
    )
    parser.add_argument("--min-version", default="0", help="oldest installed version that may update to this one")
    parser.add_argument("--notes", default="", help="release notes")
    parser.add_argument("--notes-file", help="release notes from a file")
    parser.add_argument("--key-file", help=f"private key file (default: ${KEY_ENV})")
    parser.add_argument("--generate-key", metavar="PATH", help="write a new private key to PATH and stop")
    parser.add_argument("-o", "--out", default="dist/reframe-update.json", help="manifest to write")
    args = parser.parse_args(argv)
    if args.generate_key:
        public = generate_key(Path(args.generate_key))
        print(f"public key (pin it in media_core/updates/keys.py): {public}")
        return 0
    if args.version != __version__ and not args.allow_version_mismatch:
        sys.exit(f"sign_release: version {args.version} is not the app's version {__version__} (pyproject.toml)")
    key = load_key(args.key_file)
    if not args.allow_unpinned_key:
        check_pinned(key)
    envelope = sign_manifest(build_manifest(args), key)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(envelope)
    os.replace(tmp, out)
    print(f"signed {out} (key {key_id(public_key_of(key))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
