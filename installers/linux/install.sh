#!/bin/sh
# Put the console in the desktop menu for the current user (or system-wide with PREFIX=/usr).
# The `penguin-desktop` command itself comes from `pip install penguin-desktop`.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-"${XDG_DATA_HOME:-$HOME/.local/share}"}
case "$PREFIX" in /usr|/usr/local) SHARE="$PREFIX/share" ;; *) SHARE="$PREFIX" ;; esac
install -Dm644 "$HERE/penguin-desktop.desktop" "$SHARE/applications/penguin-desktop.desktop"
install -Dm644 "$HERE/penguin-desktop.svg" "$SHARE/icons/hicolor/scalable/apps/penguin-desktop.svg"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$SHARE/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$SHARE/icons/hicolor" || true
echo "PenguinMails Desktop added to the menu ($SHARE)."
