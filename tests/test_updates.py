"""The updater's pieces on their own: the manifest format shared by packaging/sign_release.py
and the app, the version rules, the https rule, the once-a-day check and the feed's caps."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from media_core.updates import feed, state
from media_core.updates.errors import UpdateError, UpdateRejectedError
from media_core.updates.manifest import Manifest, check_asset_name, verify_manifest
from tests.update_release import SIGN, ReleaseServer, generate_key, sign


@pytest.fixture
def signed(tmp_path):
    key = tmp_path / "release.key"
    public = generate_key(key)
    installer = tmp_path / "Reframe-2.0.0-linux-x86_64.tar.gz"
    installer.write_bytes(b"installer bytes" * 100)
    deb = tmp_path / "reframe_2.0.0_amd64.deb"
    deb.write_bytes(b"deb")
    out = sign(key, "2.0.0", tmp_path / "reframe-update.json", installer, deb, extra=("--min-version", "1.0.0"))
    return out.read_bytes(), (public,), installer


def test_the_script_signs_what_the_app_verifies(signed):
    data, keys, installer = signed
    manifest = verify_manifest(data, keys)
    assert manifest.version == "2.0.0" and manifest.min_version == "1.0.0"
    assert manifest.notes == "What is new in 2.0.0."
    asset = manifest.assets["linux-x86_64-tar.gz"]
    assert asset.name == installer.name and asset.size == 1500
    assert set(manifest.assets) == {"linux-x86_64-tar.gz", "linux-x86_64-deb"}


def test_the_pinned_key_does_not_accept_a_throwaway_key(signed):
    data, _keys, _ = signed
    with pytest.raises(UpdateRejectedError, match="key this Reframe does not trust"):
        verify_manifest(data)  # the keys pinned in the app


def test_a_signature_moved_onto_other_bytes_fails(signed):
    data, keys, _ = signed
    envelope = json.loads(data)
    envelope["manifest"] = base64.b64encode(base64.b64decode(envelope["manifest"]).replace(b"2.0.0", b"3.0.0")).decode()
    with pytest.raises(UpdateRejectedError, match="altered after signing"):
        verify_manifest(json.dumps(envelope).encode(), keys)


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"format": "reframe-update/1", "manifest": "e30="}'])
def test_anything_but_a_signed_envelope_is_refused(data, signed):
    with pytest.raises(UpdateRejectedError, match=r"not (signed|a signed Reframe manifest)"):
        verify_manifest(data, signed[1])


def test_the_script_refuses_a_version_other_than_the_apps(tmp_path):
    key = tmp_path / "k"
    generate_key(key)
    (tmp_path / "a.deb").write_bytes(b"x")
    done = subprocess.run(
        [sys.executable, str(SIGN), "--key-file", str(key), "--version", "99.0.0", str(tmp_path / "a.deb")],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "is not the app's version" in done.stderr


def test_the_script_takes_the_key_from_the_environment(tmp_path, signed):
    key = tmp_path / "env.key"
    public = generate_key(key)
    (tmp_path / "Reframe-1.0.0-x64-setup.exe").write_bytes(b"exe")
    from media_core import __version__

    env = {"REFRAME_RELEASE_SIGNING_KEY": key.read_text(), "PATH": "/usr/bin:/bin"}
    out = tmp_path / "m.json"
    subprocess.run(
        [
            sys.executable,
            str(SIGN),
            "--allow-unpinned-key",
            "-o",
            str(out),
            str(tmp_path / "Reframe-1.0.0-x64-setup.exe"),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    manifest = verify_manifest(out.read_bytes(), (public,))
    assert manifest.version == __version__ and "windows-x86_64-setup" in manifest.assets


def test_the_script_signs_only_with_a_key_the_app_pins(tmp_path):
    key = tmp_path / "k"
    public = generate_key(key)
    (tmp_path / "a.deb").write_bytes(b"x")
    out = tmp_path / "m.json"
    refused = subprocess.run(
        [sys.executable, str(SIGN), "--key-file", str(key), "-o", str(out), str(tmp_path / "a.deb")],
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "is not pinned in media_core/updates/keys.py" in refused.stderr
    assert public in refused.stderr and not out.exists()

    # The same key, once pinned (as the release manager does in keys.py), signs.
    pin_then_sign = (
        "import runpy, sys; from media_core.updates import keys; "
        f"keys.PINNED_PUBLIC_KEYS = ({public!r},); "
        f"sys.argv = ['sign_release.py', '--key-file', {str(key)!r}, '-o', {str(out)!r}, {str(tmp_path / 'a.deb')!r}]; "
        f"runpy.run_path({str(SIGN)!r}, run_name='__main__')"
    )
    subprocess.run([sys.executable, "-c", pin_then_sign], check=True, capture_output=True, cwd=SIGN.parent.parent)
    assert verify_manifest(out.read_bytes(), (public,)).assets["linux-x86_64-deb"].size == 1


@pytest.mark.parametrize("name", ["../x.tar.gz", "/etc/passwd", "a/b", "a\\b", "C:evil", "..", "x..y", "", ".hidden"])
def test_installer_names_must_be_plain(name):
    with pytest.raises(UpdateRejectedError, match="not a plain file name"):
        check_asset_name(name)


def _manifest(version: str, min_version: str = "0") -> Manifest:
    return Manifest(version=version, min_version=min_version, assets={})


def test_version_rules():
    fresh = state.UpdateState()
    assert state.accept_offer(_manifest("1.1.0"), "1.0.0", fresh) is True
    assert state.accept_offer(_manifest("1.0.0"), "1.0.0", fresh) is False
    with pytest.raises(UpdateRejectedError, match="a downgrade"):
        state.accept_offer(_manifest("0.9.0"), "1.0.0", fresh)
    with pytest.raises(UpdateRejectedError, match="already seen"):
        state.accept_offer(_manifest("1.1.0"), "1.0.0", state.UpdateState(highest_seen="1.2.0"))
    with pytest.raises(UpdateRejectedError, match="too old to update"):
        state.accept_offer(_manifest("3.0.0", min_version="2.0.0"), "1.0.0", fresh)
    seen = state.remember(_manifest("1.1.0"), state.UpdateState(highest_seen="1.2.0"), now=5.0)
    assert seen.highest_seen == "1.2.0" and seen.last_check == 5.0  # never lowered


def test_state_survives_a_restart_and_a_damaged_file(tmp_path):
    path = tmp_path / "state.json"
    state.save_state(state.UpdateState(highest_seen="1.4.0", last_check=10.0), path)
    assert state.load_state(path).highest_seen == "1.4.0"
    path.write_text('{"highest_seen": "1.4.0", "last_check": "garbage"}')
    assert state.load_state(path).highest_seen == "1.4.0"  # the bar is not lowered by damage


def test_the_start_check_runs_at_most_once_a_day():
    last = state.UpdateState(last_check=1_000_000.0)
    assert not state.check_due(last, now=1_000_000.0 + 3600)
    assert state.check_due(last, now=1_000_000.0 + 25 * 3600)
    assert state.check_due(last, now=1_000_000.0 - 3600)  # a clock set back does not block it forever
    assert state.check_due(state.UpdateState())


def test_plain_http_is_refused_without_the_override(monkeypatch):
    monkeypatch.delenv("REFRAME_UPDATE_ALLOW_HTTP", raising=False)
    with pytest.raises(UpdateRejectedError, match="https only"):
        feed.read_capped("http://127.0.0.1:9/feed.json", 100)
    with pytest.raises(UpdateRejectedError, match="https only"):
        feed.require_secure("file:///etc/passwd")
    monkeypatch.setenv("REFRAME_UPDATE_ALLOW_HTTP", "1")
    feed.require_secure("http://127.0.0.1:9/feed.json")
    with pytest.raises(UpdateRejectedError, match="https only"):
        feed.require_secure("ftp://127.0.0.1/feed.json")


def test_feed_reads_are_capped_and_errors_are_one_line(monkeypatch):
    monkeypatch.setenv("REFRAME_UPDATE_ALLOW_HTTP", "1")
    server = ReleaseServer()
    try:
        server.files["/small.json"] = b"x" * 50
        assert feed.read_capped(server.url + "/small.json", 100)[0] == b"x" * 50
        with pytest.raises(UpdateRejectedError, match="more than 10 bytes"):
            feed.read_capped(server.url + "/small.json", 10)
        server.endless.add("/endless.json")
        with pytest.raises(UpdateRejectedError, match="more than 262144 bytes"):
            feed.fetch_offer(server.url + "/endless.json")
        with pytest.raises(UpdateError, match="HTTP 404"):
            feed.read_capped(server.url + "/nothing.json", 100)
    finally:
        server.close()


def test_release_file_names_map_to_the_keys_installs_look_for():
    sys.path.insert(0, str(SIGN.parent))
    from sign_release import platform_key

    assert platform_key("Reframe-1.2.0-linux-x86_64.tar.gz") == "linux-x86_64-tar.gz"
    assert platform_key("reframe_1.2.0_amd64.deb") == "linux-x86_64-deb"
    assert platform_key("Reframe-1.2.0-x86_64.AppImage") == "linux-x86_64-appimage"
    assert platform_key("Reframe-1.2.0-x64-setup.exe") == "windows-x86_64-setup"
    assert platform_key("Reframe-1.2.0-arm64.dmg") == "macos-arm64-dmg"
    assert platform_key("SHA256SUMS") is None


def test_the_release_workflow_signs_with_the_secret_and_checks_the_tag():
    import yaml

    from tests.test_release_workflow import WORKFLOW

    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["publish"]["steps"]
    sign_step = next(s for s in steps if "sign_release.py" in s.get("run", ""))
    assert sign_step["env"]["REFRAME_RELEASE_SIGNING_KEY"] == "${{ secrets.REFRAME_RELEASE_SIGNING_KEY }}"
    assert "-o dist/reframe-update.json" in sign_step["run"]
    tag_step = next(s for s in steps if "media_core.__version__" in s.get("run", ""))
    assert steps.index(tag_step) < steps.index(sign_step)
    assert "exit 1" in tag_step["run"]
