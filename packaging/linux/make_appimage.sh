#!/usr/bin/env bash
# Release workflow only (it has internet): build/Reframe.AppDir (from packaging/build.sh) ->
# dist/Reframe-<version>-x86_64.AppImage with a pinned appimagetool whose sha256 is checked
# before it runs. No registry carries appimagetool or an AppImage runtime, so a developer
# machine builds and tests the AppDir only.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${1:?version}
APPDIR=build/Reframe.AppDir
TOOL=build/appimagetool-13-x86_64.AppImage
# AppImageKit release 13, x86_64 (its runtime is embedded in the tool).
SHA256=df3baf5ca5facbecfc2f3fa6713c29ab9cefa8fd8c1eac5d283b79cab33e4acb
URLS=(
  "https://github.com/AppImage/AppImageKit/releases/download/13/appimagetool-x86_64.AppImage"
  "https://github.com/AppImage/AppImageKit/releases/download/13/obsolete-appimagetool-x86_64.AppImage"
)
[ -x "$APPDIR/AppRun" ] || { echo "make_appimage.sh: run packaging/build.sh first" >&2; exit 2; }
if ! echo "$SHA256  $TOOL" | sha256sum -c --status 2>/dev/null; then
  for url in "${URLS[@]}"; do
    curl -fsSL -o "$TOOL.part" "$url" && echo "$SHA256  $TOOL.part" | sha256sum -c --status && break
    rm -f "$TOOL.part"
  done
  [ -f "$TOOL.part" ] || { echo "make_appimage.sh: no appimagetool with sha256 $SHA256" >&2; exit 1; }
  mv "$TOOL.part" "$TOOL"
fi
chmod +x "$TOOL"
# CI runners have no FUSE: the tool runs itself unpacked.
ARCH=x86_64 "$TOOL" --appimage-extract-and-run --no-appstream "$APPDIR" "dist/Reframe-${VERSION}-x86_64.AppImage"
