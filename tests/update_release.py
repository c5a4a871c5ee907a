"""Real releases for the updater's tests: one-folder builds, their .tar.gz, a signed feed, a server.

:func:`build_folder_app` makes a minimal but real one-folder Reframe from this checkout:
``<parent>/Reframe/Reframe`` is a launcher script (the place PyInstaller's executable has)
running this checkout's ``media_core`` copied into ``Reframe/lib`` with the given version
and release key pinned, so ``Reframe --version`` and ``Reframe update`` are the app's own
code. :class:`ReleaseServer` is a plain HTTP server on 127.0.0.1 that can also behave like
a hostile mirror: a body that never ends, a body that stops half-way.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIGN = ROOT / "packaging" / "sign_release.py"


def build_folder_app(parent: Path, version: str, public_key: str) -> Path:
    """A one-folder build of ``version`` at ``parent/Reframe``; returns its executable."""
    root = parent / "Reframe"
    lib = root / "lib"
    shutil.copytree(ROOT / "media_core", lib / "media_core", ignore=shutil.ignore_patterns("__pycache__"))
    # The version: media_core reads pyproject.toml beside the package (or has it written in).
    (lib / "pyproject.toml").write_text(f'[project]\nname = "reframe"\nversion = "{version}"\n', encoding="utf-8")
    init = lib / "media_core" / "__init__.py"
    init.write_text(re.sub(r'^__version__ = "[^"]*"$', f'__version__ = "{version}"', init.read_text(), flags=re.M))
    keys = lib / "media_core" / "updates" / "keys.py"
    keys.write_text(
        re.sub(
            r"PINNED_PUBLIC_KEYS: tuple\[str, \.\.\.\] = \(.*\)",
            f'PINNED_PUBLIC_KEYS = ("{public_key}",)',
            keys.read_text(),
        )
    )
    exe = root / "Reframe"
    exe.write_text(
        "#!/bin/sh\n"
        'here="$(dirname "$(readlink -f "$0")")"\n'
        'export REFRAME_EXECUTABLE="$here/Reframe" PYTHONPATH="$here/lib"\n'
        f'exec "{sys.executable}" -s -P -m media_core "$@"\n',
        encoding="utf-8",
    )
    exe.chmod(0o755)
    return exe


def make_tarball(root: Path, out_dir: Path, version: str) -> Path:
    """``Reframe-<version>-linux-x86_64.tar.gz`` holding ``Reframe/`` (as packaging/build.sh makes it)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"Reframe-{version}-linux-x86_64.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname="Reframe")
    return archive


def sign(key_file: Path, version: str, out: Path, *installers: Path, extra: tuple[str, ...] = ()) -> Path:
    """Run packaging/sign_release.py, the same script the release workflow runs."""
    cmd = [sys.executable, str(SIGN), "--key-file", str(key_file), "--version", version]
    cmd += ["--allow-version-mismatch", "--allow-unpinned-key"]
    cmd += ["--notes", f"What is new in {version}.", "-o", str(out), *extra, *map(str, installers)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return out


def generate_key(path: Path) -> str:
    """A throwaway release key through the script; returns the public key to pin."""
    done = subprocess.run(
        [sys.executable, str(SIGN), "--generate-key", str(path)], check=True, capture_output=True, text=True
    )
    return done.stdout.strip().rsplit(" ", 1)[-1]


def app_env(tmp: Path, feed: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFRAME_", "APPIMAGE", "PYTHONPATH"))}
    env.update(
        REFRAME_UPDATE_FEED=feed,
        REFRAME_UPDATE_ALLOW_HTTP="1",
        REFRAME_DATA_DIR=str(tmp / "data"),
        REFRAME_CACHE_DIR=str(tmp / "cache"),
        REFRAME_CONFIG_DIR=str(tmp / "config"),
    )
    return env


def run_app(exe: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=900)


class ReleaseServer:
    """Serves ``files`` (path → bytes); ``endless`` paths stream without end, ``stall`` paths send
    half their body and then nothing until the server closes."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.endless: set[str] = set()
        self.stall: set[str] = set()
        self.requests: list[str] = []
        self._closing = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if self.path in server.endless:
                    self.send_response(200)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        while not server._closing.is_set():
                            self.wfile.write(b"x" * 65536)
                    except OSError:
                        pass  # the client hung up: what it should do
                    self.close_connection = True
                    return
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if self.path in server.stall:
                        self.wfile.write(body[: len(body) // 2])
                        self.wfile.flush()
                        server._closing.wait()
                        self.close_connection = True
                        return
                    self.wfile.write(body)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()


OLD, NEW = "1.0.0", "1.1.0"
FEED = "/reframe-update.json"


class Release:
    """Installed N, built N+1 (.tar.gz), a signed feed for it on a local server."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.key = tmp / "release.key"
        self.public = generate_key(self.key)
        self.exe = build_folder_app(tmp / "install", OLD, self.public)
        new_root = build_folder_app(tmp / "build", NEW, self.public).parent
        self.archive = make_tarball(new_root, tmp / "dist", NEW)
        self.asset_path = "/" + self.archive.name
        self.server = ReleaseServer()
        self.server.files[self.asset_path] = self.archive.read_bytes()
        self.publish(sign(self.key, NEW, tmp / "dist" / "reframe-update.json", self.archive))
        self.env = app_env(tmp, self.server.url + FEED)

    def publish(self, manifest: Path) -> None:
        self.server.files[FEED] = manifest.read_bytes()

    def update(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_app(self.exe, "update", "--yes", "-q", *args, env=self.env)

    def version(self) -> str:
        done = run_app(self.exe, "--version", env=self.env)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def assert_old_intact(self, done: subprocess.CompletedProcess[str], message: str) -> None:
        assert done.returncode == 2, (done.stdout, done.stderr)
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], done.stderr
        assert "Traceback" not in done.stderr
        assert self.version() == f"reframe {OLD}"
        leftovers = sorted(p.name for p in self.exe.parent.parent.iterdir())
        assert leftovers == ["Reframe"], leftovers
