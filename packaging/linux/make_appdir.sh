#!/usr/bin/env bash
# dist/Reframe -> build/Reframe.AppDir. Its AppRun is what Reframe-<version>-x86_64.AppImage
# runs; packaging/linux/make_appimage.sh (release workflow) squashes it into the AppImage.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${1:?version}
APPDIR=build/Reframe.AppDir
rm -rf "$APPDIR" && mkdir -p "$APPDIR/usr" "$APPDIR/usr/share/metainfo"
cp -al dist/Reframe "$APPDIR/usr/bin"   # hard links: no second copy on disk
cat > "$APPDIR/AppRun" <<'RUN'
#!/bin/sh
# The AppImage runtime mounts (or, with --appimage-extract-and-run, unpacks) the image and
# runs this; arguments go to Reframe (a file to open, or a CLI subcommand).
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/bin/Reframe" "$@"
RUN
chmod 755 "$APPDIR/AppRun"
install -m 644 packaging/linux/reframe.desktop "$APPDIR/reframe.desktop"
install -m 644 resources/icons/reframe-256.png "$APPDIR/reframe.png"
ln -s reframe.png "$APPDIR/.DirIcon"
echo "$VERSION" > "$APPDIR/usr/bin/VERSION"
echo "$APPDIR (Reframe-${VERSION}-x86_64.AppImage in the release workflow)"
