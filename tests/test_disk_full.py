"""A full disk for real, during a render and while a failure is being recorded.

The scenarios (tests/disk_full_run.py) run in a child process whose data folder is a
24 MiB tmpfs mounted in a private mount namespace (``unshare``: nothing leaks to the
machine, and no root is needed where user namespaces are allowed). Where mounting is not
allowed, the kernel's file size limit (RLIMIT_FSIZE) is the fault instead. Either way the
writes really fail; nothing is mocked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOUNT_FAILED = 97


def _run(tmp_path: Path, mode: str) -> subprocess.CompletedProcess:
    data = tmp_path / f"disk-{mode}"
    data.mkdir()
    result = tmp_path / f"result-{mode}.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), REFRAME_CONFIG_DIR=str(tmp_path / "config"))
    env["REFRAME_CACHE_DIR"] = str(tmp_path / "cache")
    script = [sys.executable, "-m", "tests.disk_full_run", str(data), str(result), mode]
    if mode == "tmpfs":
        mount = f'mount -t tmpfs -o size=24m tmpfs "$0" || exit {MOUNT_FAILED}; exec "$@"'
        script = ["unshare", "--mount", "--map-root-user", "sh", "-c", mount, str(data), *script]
    return subprocess.run(script, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_disk_full_during_a_render_and_while_recording_the_failure(tmp_path):
    mode = "tmpfs" if shutil.which("unshare") and not os.environ.get("REFRAME_TEST_DISK_FULL_RLIMIT") else "rlimit"
    proc = _run(tmp_path, mode)
    refused = proc.returncode == MOUNT_FAILED or (proc.returncode != 0 and proc.stderr.startswith("unshare:"))
    if mode == "tmpfs" and refused:
        # unshare or mount refused here (no user namespaces): the kernel's file size limit instead.
        print(f"tmpfs not available ({proc.stderr.strip()[-200:]}); using RLIMIT_FSIZE")
        mode = "rlimit"
        proc = _run(tmp_path, mode)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / f"result-{mode}.json").read_text())
    print(json.dumps(result, indent=2))

    render = result["render"]
    assert render["status"] == "failed" and render["code"] == "disk_full", render
    assert "disk is full" in render["message"].lower()
    assert result["render_leftovers"] == []  # no partial output, no temp
    assert result["after_render"] == "succeeded"

    # The end could not be written while the disk was full (the last-resort path ran)...
    assert result["status_while_full"] == "running"
    assert result["cancel_while_full"] is True
    # Over HTTP meanwhile: an upload gets 507 "disk full", reads still work.
    assert result["api_while_full"] == {"upload": 507, "upload_error": "disk_full", "list": 200}
    recorded = result["recorded"]  # ...and was, once space came back
    assert recorded["status"] == "failed" and recorded["code"] == "disk_full", recorded
    assert result["after_full"] == "succeeded"
    assert result["deleted"] is True
