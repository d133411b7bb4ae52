#!/usr/bin/env bash
# Installs (as root, with apt) or names (otherwise) the Debian/Ubuntu packages LiveDeck needs:
#   (default)  what Qt's offscreen platform, CJK/emoji text and voice broadcast need, and chromium for the report's
#              browser test — `make test`
#   --gui      the same plus the X11/xcb libraries a real window needs — `make run`
# A no-op on other systems and when everything is present.
set -u
[ "$(uname -s)" = "Linux" ] || exit 0

missing=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
need() { have_lib "$1" || missing+=("$2"); }
need 'libEGL.so.1'        libegl1
need 'libGL.so.1'         libgl1
need 'libxkbcommon.so.0'  libxkbcommon0
need 'libfontconfig.so.1' libfontconfig1
need 'libdbus-1.so.3'     libdbus-1-3
need 'libglib-2.0.so.0'   libglib2.0-0
need 'libfreetype.so.6'   libfreetype6
# Voice broadcast (语音播报) speaks through espeak-ng on Linux; its test synthesises a WAV with it.
need 'libespeak-ng.so.1'  libespeak-ng1
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
if [ "${1:-}" = "--gui" ]; then
  # Qt's xcb platform plugin (Qt >= 6.5 also needs xcb-cursor); ldd of libQt6XcbQpa lists these.
  need 'libX11-xcb.so.1'          libx11-xcb1
  need 'libxcb-cursor.so.0'       libxcb-cursor0
  need 'libxcb-icccm.so.4'        libxcb-icccm4
  need 'libxcb-image.so.0'        libxcb-image0
  need 'libxcb-keysyms.so.1'      libxcb-keysyms1
  need 'libxcb-randr.so.0'        libxcb-randr0
  need 'libxcb-render-util.so.0'  libxcb-render-util0
  need 'libxcb-shape.so.0'        libxcb-shape0
  need 'libxcb-xkb.so.1'          libxcb-xkb1
  need 'libxkbcommon-x11.so.0'    libxkbcommon-x11-0
fi
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  missing+=(fonts-noto-cjk fontconfig)
fi
# A real browser: the live-console tests drive it (tests/integration/test_console_*.py) and the HTML
# report is checked in it. Installed on its own (a mirror without it must not cost the other packages),
# but required: without it those tests cannot run.
optional=()
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  optional+=(chromium)
fi
# Viewers' names are full of emoji; without a colour emoji font they turn into boxes.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list 2>/dev/null | grep -i emoji | head -1)" ]; then
  missing+=(fonts-noto-color-emoji)
fi
[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages Qt, CJK text and the report's browser test need: ${missing[*]} ${optional[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || exit 1
  fi
  # Optional ones alone: a mirror without chromium must not cost the packages the tests need.
  if [ ${#optional[@]} -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null \
      || { echo "Could not install ${optional[*]}: the live-console and report browser tests need it" >&2; exit 1; }
  fi
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "LiveDeck needs these system packages; please install them, e.g.:" >&2
  echo "  sudo apt-get install ${missing[*]} ${optional[*]}" >&2
  exit 1
fi
