#!/usr/bin/env bash
# Prepare a development environment on Debian: system packages (when we can install them)
# and a virtualenv at .venv with Reframe and its test extras. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/../.."

APT_PACKAGES=(
  # real speech with reference text for the tests
  pocketsphinx-testdata
  asterisk-core-sounds-en-wav asterisk-core-sounds-en
  asterisk-core-sounds-es-wav asterisk-core-sounds-es
  asterisk-core-sounds-fr-wav asterisk-core-sounds-fr
  # offline rule-based translation fallback (English <-> Spanish)
  apertium-eng-spa
  # a virtual screen for GUI screenshots; fonts for fallback glyphs
  xvfb fonts-noto-core fonts-dejavu-core
  # Qt's xcb platform plugin needs these on a bare Debian
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libegl1 libgl1 libfontconfig1 libdbus-1-3
  python3-venv
)

if [ "${1:-}" != "--no-apt" ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "Installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"
