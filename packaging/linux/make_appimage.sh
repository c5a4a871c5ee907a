#!/usr/bin/env bash
# Wrap the PyInstaller folder into Reframe-<version>-x86_64.AppImage with appimagetool.
set -euo pipefail
VERSION=${1:?version}
APPDIR=build/Reframe.AppDir
rm -rf "$APPDIR" && mkdir -p "$APPDIR/usr/bin"
cp -r dist/Reframe/* "$APPDIR/usr/bin/"
cat > "$APPDIR/AppRun" <<'RUN'
#!/bin/sh
exec "$(dirname "$(readlink -f "$0")")/usr/bin/Reframe" "$@"
RUN
chmod +x "$APPDIR/AppRun"
cat > "$APPDIR/reframe.desktop" <<'DESK'
[Desktop Entry]
Type=Application
Name=Reframe
Exec=Reframe
Icon=reframe
Categories=AudioVideo;Video;
DESK
cp resources/icons/reframe.png "$APPDIR/reframe.png"
curl -fsSL -o build/appimagetool https://github.com/AppImage/appimagetool/releases/download/continuous/appimagetool-x86_64.AppImage
chmod +x build/appimagetool
ARCH=x86_64 build/appimagetool "$APPDIR" "dist/Reframe-${VERSION}-x86_64.AppImage"
