#!/usr/bin/env bash
# dist/Reframe (the PyInstaller folder) -> dist/reframe_<version>_amd64.deb with dpkg-deb.
# Installs to /opt/reframe; /usr/bin/reframe runs it (window, or any CLI subcommand); the
# .desktop entry lists the video MIME types so file managers offer "Open with Reframe".
# Desktop and icon caches are refreshed by the triggers of desktop-file-utils and
# hicolor-icon-theme, so the package needs no maintainer scripts.
set -euo pipefail
export LC_ALL=C  # sort and comm must agree on the order
cd "$(dirname "$0")/../.."
VERSION=${1:?version}
STAGE=build/deb/reframe
OUT="dist/reframe_${VERSION}_amd64.deb"
rm -rf "$STAGE" && mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/icons/hicolor/256x256/apps" "$STAGE/usr/share/icons/hicolor/512x512/apps" "$STAGE/usr/share/doc/reframe"
cp -al dist/Reframe "$STAGE/opt/reframe"   # hard links: no second copy of 600 MB on disk
ln -s /opt/reframe/Reframe "$STAGE/usr/bin/reframe"
# Tells the in-app updater to hand updates to the package manager (media_core/updates/install).
echo deb > "$STAGE/opt/reframe/install-kind"
install -m 644 packaging/linux/reframe.desktop "$STAGE/usr/share/applications/reframe.desktop"
sed -i 's|^Exec=.*|Exec=/opt/reframe/Reframe %F|; s|^TryExec=.*|TryExec=/opt/reframe/Reframe|' \
  "$STAGE/usr/share/applications/reframe.desktop"
install -m 644 resources/icons/reframe-256.png "$STAGE/usr/share/icons/hicolor/256x256/apps/reframe.png"
install -m 644 resources/icons/reframe.png "$STAGE/usr/share/icons/hicolor/512x512/apps/reframe.png"
cat > "$STAGE/usr/share/doc/reframe/copyright" <<'COPY'
Reframe is free software: GPL-3.0-or-later (/usr/share/common-licenses/GPL-3).
Bundled fonts keep their own licences: /opt/reframe/_internal/resources/fonts/README.md.
The face detector (MediaPipe BlazeFace, Apache-2.0): /opt/reframe/_internal/resources/models/faces/README.md.
COPY

# Depends: the system libraries the bundle links to but does not carry, found the way the
# loader would (ldconfig) and named by the package that owns them here.
bundled=$(find "$STAGE/opt/reframe" \( -type f -o -type l \) -name '*.so*' -printf '%f\n' | sort -u)
needed=$(find "$STAGE/opt/reframe" -type f \( -name '*.so*' -o -name Reframe \) -print0 \
  | xargs -0 -n 64 readelf -d 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
packages=()
for lib in $(comm -23 <(echo "$needed") <(echo "$bundled")); do
  # (whole-input readers only in these pipes: an early exit would SIGPIPE the writer under pipefail)
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !found {print $NF; found = 1}')
  [ -n "$path" ] || { echo "make_deb.sh: $lib is not on this system; not listed in Depends" >&2; continue; }
  pkg=$({ dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null || true; } | awk -F: 'NR == 1 {print $1}')
  if [ -n "$pkg" ]; then packages+=("$pkg"); fi
done
glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
depends="libc6 (>= $glibc)"
for p in $(printf '%s\n' "${packages[@]}" | sort -u); do
  if [ "$p" != libc6 ]; then depends+=", $p"; fi
done

cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: reframe
Version: $VERSION
Section: video
Priority: optional
Architecture: amd64
Maintainer: Reframe developers <reframe@users.noreply.github.com>
Installed-Size: $(du -sk --apparent-size "$STAGE" | cut -f1)
Depends: $depends
Recommends: desktop-file-utils, hicolor-icon-theme
Description: captions, styled subtitles, translation and shorts, offline
 Reframe is a local-first desktop app for people who make videos: Whisper
 captions on your own machine, TikTok-style burned-in subtitles, translation
 and vertical shorts. This package carries its own Python, Qt, ffmpeg and the
 tiny.en speech model, so it works offline from the first start.
CONTROL
chmod -R u+rwX,go+rX,go-w "$STAGE"
rm -f "$OUT"
# zstd by default: xz -6 took 6 CPU-minutes for this 770 MB tree, zstd -12 well under one, for a
# slightly larger file. Every dpkg that can run this bundle's glibc reads zstd (Debian 12,
# Ubuntu 22.04 and newer). The release workflow sets DEB_COMPRESSION=xz for the smallest file.
case "${DEB_COMPRESSION:-zstd}" in
  zstd) level=${ZSTD_LEVEL:-12} ;;
  xz) level=${XZ_LEVEL:-6} ;;
  *) echo "make_deb.sh: DEB_COMPRESSION is zstd or xz" >&2; exit 2 ;;
esac
dpkg-deb --root-owner-group "-Z${DEB_COMPRESSION:-zstd}" "-z$level" --threads-max="$(nproc)" --build "$STAGE" "$OUT"
echo "$OUT: $(du -h "$OUT" | cut -f1)"
