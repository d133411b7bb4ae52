#!/usr/bin/env bash
# Installs (as root, with apt) or names (otherwise) the Debian/Ubuntu packages Qt's offscreen/xcb
# platforms and CJK text need. A no-op on other systems and when everything is present.
set -u
[ "$(uname -s)" = "Linux" ] || exit 0

missing=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib 'libEGL.so.1'        || missing+=(libegl1)
have_lib 'libGL.so.1'         || missing+=(libgl1)
have_lib 'libxkbcommon.so.0'  || missing+=(libxkbcommon0)
have_lib 'libfontconfig.so.1' || missing+=(libfontconfig1)
have_lib 'libdbus-1.so.3'     || missing+=(libdbus-1-3)
have_lib 'libglib-2.0.so.0'   || missing+=(libglib2.0-0)
have_lib 'libfreetype.so.6'   || missing+=(libfreetype6)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  missing+=(fonts-noto-cjk fontconfig)
fi
# Viewers' names are full of emoji; without a colour emoji font they turn into boxes.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list 2>/dev/null | grep -i emoji | head -1)" ]; then
  missing+=(fonts-noto-color-emoji)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages Qt and CJK text need: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "LiveDeck needs these system packages; please install them, e.g.:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
