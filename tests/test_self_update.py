"""Self-update end to end against a local HTTP server: a real one-folder install of version N
updates itself to N+1, and every attack on the way leaves N installed and working with one
clear line saying why. No part of the updater is replaced: each test runs the installed
build's own ``Reframe update`` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.update_release import FEED, NEW, OLD, Release, build_folder_app, generate_key, make_tarball, run_app, sign


@pytest.fixture
def release(tmp_path):
    rel = Release(tmp_path)
    yield rel
    rel.server.close()


def test_installed_version_updates_itself_and_restarts_into_the_new_one(release):
    assert release.version() == f"reframe {OLD}"
    done = release.update("--restart")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"Reframe {NEW} is available (installed: {OLD})." in out
    assert f"What is new in {NEW}." in out
    steps = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("step: ")]
    assert steps == ["check", "download", "verify", "unpack", "try", "swap", "keep-old", "done", "check"]
    # The last lines come from the restarted process: the new build checked the feed itself.
    assert out.rstrip().endswith(f"Reframe {NEW} is up to date.")
    assert release.version() == f"reframe {NEW}"
    old = release.exe.parent.with_name("Reframe.old") / "Reframe"
    assert run_app(old, "--version", env=release.env).stdout.strip() == f"reframe {OLD}"
    state = json.loads((release.tmp / "data" / "updates" / "state.json").read_text())
    assert state["highest_seen"] == NEW


def _envelope(release) -> dict:
    return json.loads(release.server.files[FEED])


def test_unsigned_manifest_is_refused(release):
    envelope = _envelope(release)
    envelope.pop("signature")
    release.server.files[FEED] = json.dumps(envelope).encode()
    release.assert_old_intact(release.update(), "The update manifest is not signed; refused.")


def test_manifest_signed_by_another_key_is_refused(release, tmp_path):
    generate_key(tmp_path / "stolen.key")
    release.publish(sign(tmp_path / "stolen.key", NEW, tmp_path / "forged.json", release.archive))
    release.assert_old_intact(release.update(), "signed by a key this Reframe does not trust")


def test_manifest_altered_after_signing_is_refused(release):
    import base64

    envelope = _envelope(release)
    body = json.loads(base64.b64decode(envelope["manifest"]))
    body["version"] = "1.2.0"
    envelope["manifest"] = base64.b64encode(json.dumps(body).encode()).decode()
    release.server.files[FEED] = json.dumps(envelope).encode()
    release.assert_old_intact(release.update(), "altered after signing")


def test_flipped_byte_in_the_installer_is_refused(release):
    data = bytearray(release.server.files[release.asset_path])
    data[len(data) // 2] ^= 0x01
    release.server.files[release.asset_path] = bytes(data)
    release.assert_old_intact(release.update(), "failed its checksum test, so it was discarded")
    assert not list((release.tmp / "cache" / "updates").glob("*.tar.gz"))


def test_installer_longer_than_signed_is_cut_off(release):
    release.server.endless.add(release.asset_path)
    release.assert_old_intact(release.update(), "is larger than expected")
    cache = release.tmp / "cache" / "updates"
    assert all(p.stat().st_size <= release.archive.stat().st_size for p in cache.iterdir())
    assert not list(cache.glob("*.tar.gz"))


def test_installer_shorter_than_signed_is_refused(release):
    release.server.files[release.asset_path] = release.server.files[release.asset_path][:-100]
    release.assert_old_intact(release.update(), "arrived with the wrong size")


def test_downgrade_to_an_older_signed_release_is_refused(release, tmp_path):
    older = build_folder_app(tmp_path / "older", "0.9.0", release.public).parent
    archive = make_tarball(older, tmp_path / "old-dist", "0.9.0")
    release.server.files["/" + archive.name] = archive.read_bytes()
    release.publish(sign(release.key, "0.9.0", tmp_path / "old.json", archive))
    release.assert_old_intact(release.update(), f"offers 0.9.0, older than the installed {OLD} (a downgrade)")


def test_replay_of_an_older_signed_manifest_is_refused(release, tmp_path):
    current = Path(release.tmp / "dist" / "reframe-update.json").read_bytes()  # genuine 1.1.0
    newer = build_folder_app(tmp_path / "newer", "1.2.0", release.public).parent
    archive = make_tarball(newer, tmp_path / "newer-dist", "1.2.0")
    release.publish(sign(release.key, "1.2.0", tmp_path / "newer.json", archive))
    seen = run_app(release.exe, "update", "--check", env=release.env)
    assert "Reframe 1.2.0 is available" in seen.stdout, seen.stderr
    release.server.files[FEED] = current  # a mirror now replays the older, genuinely signed 1.1.0
    release.assert_old_intact(release.update(), "older than 1.2.0 which this install has already seen")


@pytest.mark.parametrize("name", ["../../evil.tar.gz", "/tmp/evil.tar.gz", "sub/evil.tar.gz", "..evil.tar.gz"])
def test_installer_name_with_a_path_is_refused_even_when_signed(release, tmp_path, name):
    """The name check holds even for a manifest the release key signed (defence in depth)."""
    import base64
    import hashlib

    from nacl.signing import SigningKey

    from media_core.updates.manifest import Asset, Manifest, sign_manifest

    data = release.server.files[release.asset_path]
    asset = Asset.model_construct(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    manifest = Manifest.model_construct(
        product="reframe", version=NEW, min_version="0", released="", notes="", assets={"linux-x86_64-tar.gz": asset}
    )
    key = SigningKey(base64.b64decode(release.key.read_text()))
    release.server.files[FEED] = sign_manifest(manifest, key)
    release.server.files["/" + name.lstrip("/")] = data
    release.assert_old_intact(release.update(), "which is not a plain file name; refused.")
    assert not (tmp_path / "evil.tar.gz").exists() and not Path("/tmp/evil.tar.gz").exists()
    assert not list(tmp_path.rglob("*evil*"))


def test_feed_that_never_ends_is_cut_off(release):
    release.server.endless.add(FEED)
    release.assert_old_intact(release.update(), "The update feed sent more than 262144 bytes; refused.")


def test_server_that_stalls_mid_download_fails_clearly(release):
    release.server.stall.add(release.asset_path)
    done = release.update("--stall-timeout", "2")
    release.assert_old_intact(done, "(the server sent nothing for 2 s)")


INSTALL_STEPS = ["verify", "unpack", "try", "swap", "keep-old"]


def _wait_stopped(proc: subprocess.Popen, step: str) -> None:
    ps = psutil.Process(proc.pid)
    while True:
        line = proc.stdout.readline()
        assert line, f"the updater ended before step {step}"
        if line.strip() == f"step: {step}":
            break
    while ps.status() != psutil.STATUS_STOPPED:
        time.sleep(0.05)


@pytest.mark.parametrize("step", INSTALL_STEPS)
def test_install_killed_between_steps_leaves_a_working_version(release, step):
    env = dict(release.env, REFRAME_UPDATE_PAUSE_AT_STEPS="1")
    proc = subprocess.Popen(
        [str(release.exe), "update", "--yes", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        for earlier in ["check", "download", *INSTALL_STEPS[: INSTALL_STEPS.index(step)]]:
            _wait_stopped(proc, earlier)
            os.kill(proc.pid, signal.SIGCONT)
        _wait_stopped(proc, step)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    # Killed before the swap the old build is whole; the swap itself is one atomic rename,
    # so from then on the new build is whole.
    expected = OLD if INSTALL_STEPS.index(step) <= INSTALL_STEPS.index("swap") else NEW
    assert release.version() == f"reframe {expected}"
    # The next update clears what the killed one left and finishes.
    done = release.update()
    assert done.returncode == 0, done.stderr
    assert release.version() == f"reframe {NEW}"
