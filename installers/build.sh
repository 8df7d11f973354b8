#!/usr/bin/env bash
# Build PenguinMails Desktop for machines without Python: a PyInstaller one-folder bundle
# (dist/penguin/: `penguin` and `penguin-desktop` over one shared runtime), packed as a Debian
# package dist/penguin-desktop_<version>_amd64.deb with the menu entry, the icon and the
# systemd units of the headless services.
#
#   installers/build.sh              bundle + .deb
#   installers/build.sh --no-deb     bundle only (any Linux; no dpkg-deb needed)
#   installers/build.sh --reuse      keep an existing dist/penguin/ (pack the .deb again)
#
# macOS and Windows are built by hand from the same spec: installers/macos/README.md,
# installers/windows/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/_setup.sh"
cd "$ROOT"

make_deb=true
reuse=false
for arg in "$@"; do
  case "$arg" in
    --no-deb) make_deb=false ;;
    --reuse) reuse=true ;;
    *) echo "usage: $0 [--no-deb] [--reuse]" >&2; exit 2 ;;
  esac
done

# The bundle freezes whatever the venv holds, so it is the project's venv with the `bundle`
# extra (PyInstaller), installed the same way scripts/console and scripts/test do it.
ensure_venv "[bundle]"
PY="$VENV/bin/python"
VERSION="$("$PY" -c 'import penguin_desktop; print(penguin_desktop.__version__)')"
BUNDLE="$ROOT/dist/penguin"
SECONDS=0

if ! $reuse || [ ! -x "$BUNDLE/penguin" ]; then
  # --clean: a cached analysis from an older checkout could miss a module added since.
  "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
    "$ROOT/installers/pyinstaller/penguin.spec"
  echo "bundle built in ${SECONDS} s: $BUNDLE"
fi
# A bundle that cannot even say its version must not be packed.
"$BUNDLE/penguin" --version >/dev/null

bundle_kib=$(du -sk "$BUNDLE" | cut -f1)
echo "bundle size: $((bundle_kib / 1024)) MiB ($bundle_kib KiB)"
$make_deb || exit 0

command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found (Debian/Ubuntu only)" >&2; exit 1; }
ARCH="$(dpkg --print-architecture)"
DEB="$ROOT/dist/penguin-desktop_${VERSION}_${ARCH}.deb"
STAGE="$ROOT/build/deb"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" \
  "$STAGE/usr/share/applications" "$STAGE/usr/share/icons/hicolor/scalable/apps" \
  "$STAGE/lib/systemd/system"

cp -a "$BUNDLE" "$STAGE/opt/penguin-desktop"
# Relative links: the package stays correct under any root (dpkg --root, a chroot).
ln -s ../../opt/penguin-desktop/penguin "$STAGE/usr/bin/penguin"
ln -s ../../opt/penguin-desktop/penguin-desktop "$STAGE/usr/bin/penguin-desktop"

LINUX="$ROOT/installers/linux"
sed -e 's|^Exec=.*|Exec=/usr/bin/penguin-desktop %U|' \
  -e 's|^TryExec=.*|TryExec=/usr/bin/penguin-desktop|' \
  "$LINUX/penguin-desktop.desktop" >"$STAGE/usr/share/applications/penguin-desktop.desktop"
install -m644 "$LINUX/penguin-desktop.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/"
# The units are written for a pip install (/usr/local/bin/penguin); the package's command is
# /usr/bin/penguin, and the user comes from postinst rather than the units' useradd comment.
for unit in "$LINUX"/*.service; do
  sed -e 's|/usr/local/bin/penguin|/usr/bin/penguin|g' \
    -e 's|the `penguin` command comes from `pip install penguin-desktop`|the `penguin` command and the `penguin` user come from the penguin-desktop package|' \
    "$unit" >"$STAGE/lib/systemd/system/$(basename "$unit")"
done
chmod 644 "$STAGE"/lib/systemd/system/*.service "$STAGE/usr/share/applications/"*.desktop

# Qt's libraries are in the bundle, and PyInstaller copies most system libraries they link
# against too; what it never copies is the graphics stack (libGL, libEGL, libdrm) and libc:
# `ldd` on dist/penguin/_internal/PySide6/Qt/{lib,plugins/platforms}/*.so, run with the bundle on
# LD_LIBRARY_PATH, shows libEGL, libGL, libGLX, libdrm, libwayland-client and libxcb resolved from
# the system. The X11/xcb, font and D-Bus packages are listed as well (the list scripts/_setup.sh
# installs for a venv) so that a bundle built on a machine lacking one of them still runs.
# libc6 >= 2.36: the bundled libraries come from the build machine (Debian 12); zlib: the
# PyInstaller bootloader links it.
installed_kib=$(du -sk "$STAGE" | cut -f1)
cat >"$STAGE/DEBIAN/control" <<EOF
Package: penguin-desktop
Version: $VERSION
Architecture: $ARCH
Maintainer: PenguinMails <support@penguinmails.example>
Section: net
Priority: optional
Installed-Size: $installed_kib
Depends: adduser, libc6 (>= 2.36), zlib1g, libegl1, libgl1, libdrm2, libwayland-client0, libxkbcommon0,
 libxkbcommon-x11-0,
 libfontconfig1, libfreetype6, libdbus-1-3, libglib2.0-0, libx11-6, libx11-xcb1, libxcb1,
 libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-xinerama0, libxcb-randr0,
 libxcb-render-util0, libxcb-image0, libxcb-xkb1, libxcb-xfixes0, libxcb-sync1, libxcb-shm0,
 libxcb-render0, libxcb-util1
Homepage: https://penguinmails.example
Description: self-hosted console for cold-email infrastructure agencies
 PenguinMails Desktop runs mail servers, DNS, billing and campaigns for many client
 workspaces: a Qt console (penguin-desktop) and a command line (penguin) over the same
 core, with no Python needed. The headless services (penguin-monitor, penguin-unsubscribe,
 penguin-campaigns, penguin-billing-webhooks) are installed but not enabled.
EOF

# The services run as the dedicated system user `penguin` (home /var/lib/penguin, the data
# directory the units name). They are not enabled: each needs its /etc/penguin/*.env first
# (see the comment at the top of each unit).
cat >"$STAGE/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd penguin >/dev/null; then
    adduser --system --group --home /var/lib/penguin --no-create-home \
      --shell /usr/sbin/nologin --gecos "PenguinMails services" penguin >/dev/null
  fi
  install -d -o penguin -g penguin -m 700 /var/lib/penguin
  install -d -o root -g root -m 700 /etc/penguin
  if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
  command -v update-desktop-database >/dev/null && update-desktop-database -q || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q /usr/share/icons/hicolor || true
fi
exit 0
EOF
# Stop the services before their program goes away (on remove; an upgrade restarts nothing).
cat >"$STAGE/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  for unit in penguin-monitor penguin-unsubscribe penguin-campaigns penguin-billing-webhooks; do
    systemctl stop "$unit.service" >/dev/null 2>&1 || true
  done
fi
exit 0
EOF
# The data in /var/lib/penguin and the settings in /etc/penguin are the agency's: remove keeps
# them; purge removes the user but still leaves the data (it may be the only copy), saying so.
cat >"$STAGE/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
if [ "$1" = purge ]; then
  if getent passwd penguin >/dev/null && command -v deluser >/dev/null; then
    deluser --system penguin >/dev/null 2>&1 || true
  fi
  echo "penguin-desktop: /var/lib/penguin and /etc/penguin were kept; remove them by hand." >&2
fi
exit 0
EOF
chmod 755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/prerm" "$STAGE/DEBIAN/postrm"

# -Zxz: the smallest download; --root-owner-group: files owned by root whoever builds.
dpkg-deb --build --root-owner-group -Zxz --threads-max="$(nproc)" "$STAGE" "$DEB" >/dev/null
deb_kib=$(( $(stat -c %s "$DEB") / 1024 ))
echo "package: $DEB"
echo "bundle size: $((bundle_kib / 1024)) MiB; .deb size: $((deb_kib / 1024)) MiB; total ${SECONDS} s"
