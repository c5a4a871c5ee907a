"""The self-update end to end with the real frozen app (PyInstaller one-folder build, as the
.tar.gz ships it): installed version N finds N+1 on a local feed, verifies, installs, restarts
into N+1, and ``Reframe --version`` says N+1.

The build pins a throwaway release key (the production key's private half is a CI secret),
so it is made once per session from a copy of this checkout with that key in
``media_core/updates/keys.py``. N+1 is the same frozen build with its version stamp
(``reframe-<version>.dist-info``, what ``media_core.__version__`` reads when frozen) moved on:
the updater treats the archive as opaque, so what matters is a real frozen executable that
reports the new version."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from packaging.version import Version

from tests import assets
from tests.update_release import ROOT, ReleaseServer, app_env, generate_key, run_app, sign

pytestmark = pytest.mark.packaging


def _checkout_copy(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _bump_stamp(app: Path, old: str, new: str) -> None:
    infos = list(app.rglob(f"reframe-{old}.dist-info"))
    assert len(infos) == 1, infos
    metadata = infos[0] / "METADATA"
    metadata.write_text(re.sub(rf"^Version: {re.escape(old)}$", f"Version: {new}", metadata.read_text(), flags=re.M))
    infos[0].rename(infos[0].with_name(f"reframe-{new}.dist-info"))


@pytest.fixture(scope="session")
def frozen(tmp_path_factory):
    from media_core import __version__ as old

    tmp = tmp_path_factory.mktemp("frozen-update")
    new = str(Version(f"{Version(old).major}.{Version(old).minor}.{Version(old).micro + 1}"))
    key = tmp / "release.key"
    public = generate_key(key)
    src = tmp / "src"
    _checkout_copy(src)
    # The face detector ships with the app but is built, never committed (build.sh stages it
    # into resources/ the same way); the spec refuses to build without it.
    faces = src / "resources" / "models" / "faces"
    shutil.copy2(assets.face_model() / "blazeface-full-range.onnx", faces / "blazeface-full-range.onnx")
    if sys.platform.startswith("linux"):
        # The one FFmpeg the Linux spec bundles is built, never committed: the checkout's
        # build/ffmpeg (built here unless build.sh already did) serves the copy too.
        subprocess.run(["bash", "packaging/linux/build_ffmpeg.sh", sys.executable], cwd=ROOT, check=True)
        (src / "build").mkdir()
        (src / "build" / "ffmpeg").symlink_to(ROOT / "build" / "ffmpeg", target_is_directory=True)
    keys = src / "media_core" / "updates" / "keys.py"
    keys.write_text(re.sub(r"= \(\"[^\"]+\",\)", f'= ("{public}",)', keys.read_text()))
    proc = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(tmp / "dist"),
         "--workpath", str(tmp / "work"), "packaging/pyinstaller/reframe.spec"],
        cwd=src, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    installed = tmp / "install" / "Reframe"
    shutil.copytree(tmp / "dist" / "Reframe", installed, symlinks=True)
    nxt = tmp / "next" / "Reframe"
    shutil.move(tmp / "dist" / "Reframe", nxt)
    _bump_stamp(nxt, old, new)
    archive = tmp / "release" / f"Reframe-{new}-linux-x86_64.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        tar.add(nxt, arcname="Reframe")
    shutil.rmtree(nxt.parent)
    manifest = sign(key, new, tmp / "release" / "reframe-update.json", archive)
    return {"tmp": tmp, "exe": installed / "Reframe", "old": old, "new": new, "archive": archive, "manifest": manifest}


def test_frozen_app_updates_itself_and_restarts_into_the_new_version(frozen):
    server = ReleaseServer()
    try:
        server.files["/reframe-update.json"] = frozen["manifest"].read_bytes()
        server.files["/" + frozen["archive"].name] = frozen["archive"].read_bytes()
        env = app_env(frozen["tmp"], server.url + "/reframe-update.json")
        exe = frozen["exe"]
        assert run_app(exe, "--version", env=env).stdout.strip() == f"reframe {frozen['old']}"
        done = run_app(exe, "update", "--yes", "-q", "--restart", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"Reframe {frozen['new']} is available (installed: {frozen['old']})." in done.stdout
        assert done.stdout.rstrip().endswith(f"Reframe {frozen['new']} is up to date.")  # the restarted build
        assert run_app(exe, "--version", env=env).stdout.strip() == f"reframe {frozen['new']}"
        old_build = exe.parent.with_name("Reframe.old") / "Reframe"
        assert run_app(old_build, "--version", env=env).stdout.strip() == f"reframe {frozen['old']}"
    finally:
        server.close()
