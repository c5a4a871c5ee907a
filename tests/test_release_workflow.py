"""The release workflow and the packaging scripts, checked here where they cannot run:
the workflow against the GitHub Actions JSON schema (check-jsonschema ships it, offline), the
rules this project sets for it, and every packaging shell script through ``bash -n``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def test_workflow_matches_the_github_actions_schema():
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflow_schema_check_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "run-on:", 1))
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0


def test_workflow_builds_each_platform_from_the_pyproject_version():
    build = workflow()["jobs"]["build"]
    include = build["strategy"]["matrix"]["include"]
    oses = [entry["os"] for entry in include]
    assert any(o.startswith("windows") for o in oses) and any(o.startswith("macos") for o in oses)
    # Linux builds in Debian 12, where the tests run and where build_ffmpeg.sh finds FFmpeg's
    # source; setup.sh --build installs what build.sh needs there, as on a developer's machine.
    linux = [entry for entry in include if entry["os"].startswith("ubuntu")]
    assert len(linux) == 1 and linux[0]["container"] == "python:3.11-bookworm"
    assert build["container"] == "${{ matrix.container }}"
    setup_python = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup_python["if"] == "runner.os != 'Linux'"
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert runs.index("bash packaging/dev/setup.sh --build") < runs.index("bash packaging/build.sh")
    assert 'make_appimage.sh "${{ steps.version.outputs.version }}"' in runs
    assert "/DAppVersion=${{ steps.version.outputs.version }}" in runs
    assert "pyproject.toml" in runs and "does not match pyproject version" in runs
    for step in build["steps"] + workflow()["jobs"]["publish"]["steps"]:
        if "uses" in step:
            assert re.search(r"@v\d+$", step["uses"]), step["uses"]  # a released major, never a branch


def test_every_installer_ships_the_speaker_models():
    """The Linux build would otherwise try to export them without torch and fail, and the
    Windows and macOS installers would ship without speaker labels."""
    jobs = workflow()["jobs"]
    export = jobs["speaker-models"]
    runs = "\n".join(step.get("run", "") for step in export["steps"])
    assert "torch==" in runs and "export_diarization_onnx.py --out resources/models/diarization" in runs
    upload = next(s for s in export["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["if-no-files-found"] == "error"
    build = jobs["build"]
    assert build["needs"] == "speaker-models"
    steps = build["steps"]
    download = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/download-artifact@"))
    assert steps[download]["with"] == {"name": upload["with"]["name"], "path": "resources/models/diarization"}
    first_build = next(
        i for i, s in enumerate(steps) if "pyinstaller" in s.get("run", "") or "build.sh" in s.get("run", "")
    )
    assert download < first_build
    for step in export["steps"]:
        if "uses" in step:
            assert re.search(r"@v\d+$", step["uses"]), step["uses"]


def test_appimagetool_is_pinned_and_verified():
    script = (ROOT / "packaging" / "linux" / "make_appimage.sh").read_text()
    assert "continuous" not in script
    assert re.search(r"^SHA256=[0-9a-f]{64}$", script, re.M)
    assert "sha256sum -c" in script
    assert "/releases/download/13/" in script


def test_packaging_scripts_parse():
    scripts = [ROOT / "packaging" / "build.sh", *sorted((ROOT / "packaging" / "linux").glob("*.sh"))]
    for script in scripts:
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_inno_setup_script_takes_the_version():
    iss = (ROOT / "packaging" / "windows" / "reframe.iss").read_text()
    assert "#ifndef AppVersion" in iss and "AppVersion={#AppVersion}" in iss
    assert 'Source: "..\\..\\dist\\Reframe\\*"' in iss
