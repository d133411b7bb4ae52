"""Finding a CJK font for matplotlib, whatever its font cache says.

matplotlib draws Chinese only if ``font.sans-serif`` names a family that has the glyphs; it never falls
back to another font by itself. It knows the fonts listed in its cache (``fontlist-v*.json`` in its
config dir), written the first time it ran: a CJK font installed after that is not in the list, and
every label becomes a box. :func:`matplotlib_cjk_families` looks in the list first and, if no CJK family
is there, finds CJK font files on the system (fontconfig's ``fc-list :lang=zh``, then the usual font
folders) and adds them to matplotlib for this process. The dashboard (``ui.common.charts``) and the
headless report (``app.review.report``) both take their family list from here.

matplotlib is imported only when a function runs (this module is below everything in ``app``).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger("livedeck.fonts")

#: CJK families for Simplified Chinese, best first: Linux, macOS, Windows (matplotlib's names).
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Droid Sans Fallback",
    "Arial Unicode MS",
)

#: Lower-case pieces of the file names of common CJK fonts (used when fontconfig is not there).
_CJK_FILE_HINTS = ("notosanscjk", "notosanssc", "sourcehansans", "wqy", "wenquanyi", "msyh", "pingfang",
                   "hiragino sans gb", "simhei", "simsun", "droidsansfallback", "notoserifcjk", "arialuni")
_FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
_MAX_FILES = 40

_families: list[str] | None = None


def font_dirs() -> list[Path]:
    """The folders fonts are usually installed in on this platform."""
    home = Path.home()
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [windir / "Fonts", local / "Microsoft" / "Windows" / "Fonts"]
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library" / "Fonts"]
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".local" / "share" / "fonts",
            home / ".fonts"]


def _fontconfig_files() -> list[Path]:
    """Font files fontconfig says cover Chinese (``fc-list :lang=zh file``); none without fontconfig."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    # Each line is "<path>: " (the format ends every field with a colon).
    return [Path(line.strip().rstrip(":").strip()) for line in out.splitlines() if line.strip()]


def _folder_files(dirs: Iterable[Path]) -> list[Path]:
    """Font files in ``dirs`` whose names say they are a common CJK font."""
    found: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        for root, _dirs, files in os.walk(folder):
            for name in files:
                low = name.lower()
                if low.endswith(_FONT_SUFFIXES) and any(h in low.replace("-", "").replace("_", "")
                                                        for h in _CJK_FILE_HINTS):
                    found.append(Path(root) / name)
    return found


def cjk_font_files(dirs: Iterable[Path] | None = None) -> list[Path]:
    """CJK font files on this system, sans-serif regular faces first, without repeats."""
    files = _fontconfig_files() + _folder_files(font_dirs() if dirs is None else dirs)

    def rank(path: Path) -> tuple[int, int, str]:
        low = path.name.lower()
        return ("serif" in low.replace("sans", "") or "mono" in low, "bold" in low or "black" in low, low)

    unique = {str(p): p for p in files if p.is_file()}
    return sorted(unique.values(), key=rank)


def _is_cjk_name(name: str) -> bool:
    return name in CJK_FAMILIES or ("CJK" in name and "Mono" not in name)


def _pick(names: Iterable[str]) -> list[str]:
    """The CJK families among ``names``, in :data:`CJK_FAMILIES` order, then the other CJK ones."""
    known = set(names)
    picked = [f for f in CJK_FAMILIES if f in known]
    picked += sorted(n for n in known if _is_cjk_name(n) and n not in picked and "Serif" not in n)
    return picked


def _add_files(files: Iterable[Path]) -> list[str]:
    """Add ``files`` to matplotlib's font list; the family names they brought, in file order."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    names: list[str] = []
    for path in list(files)[:_MAX_FILES]:
        before = len(manager.ttflist)
        try:
            manager.addfont(path)
        except Exception as exc:  # a broken or unreadable font file is skipped, not fatal
            log.debug("cannot add font %s: %s", path, exc)
            continue
        names += [f.name for f in manager.ttflist[before:] if f.name not in names]
    return names


def matplotlib_cjk_families(*, refresh: bool = False, dirs: Iterable[Path] | None = None) -> list[str]:
    """The CJK families matplotlib can draw Chinese with, best first; [] if this system has none.

    Looks at matplotlib's font list; if it has no CJK family (a cache written before the font was
    installed), adds the system's CJK font files to it and takes their families. The answer is kept for
    the process (``refresh`` looks again). With no CJK font at all, logs one warning.
    """
    global _families
    if _families is not None and not refresh:
        return list(_families)
    from matplotlib import font_manager

    families = _pick(f.name for f in font_manager.fontManager.ttflist)
    if not families:
        files = cjk_font_files(dirs)
        added = _add_files(files)
        # A file fontconfig says covers Chinese counts even if its family is not a name we know.
        families = _pick(added) or [n for n in added if "Mono" not in n]
        if families:
            log.info("matplotlib's font cache had no CJK font; added %d font files (%s)", len(files),
                     families[0])
    if not families:
        log.warning("no CJK font found for charts: Chinese labels will show as boxes "
                    "(install one, e.g. Debian's fonts-noto-cjk)")
    _families = families
    return list(families)


def matplotlib_font_rc() -> Any:
    """rcParams that make matplotlib draw Chinese: the CJK families, then DejaVu Sans for the rest.

    Typed ``Any``: matplotlib's stubs take only literal rcParams keys.
    """
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [*matplotlib_cjk_families(), "DejaVu Sans"],
        "axes.unicode_minus": False,  # CJK fonts lack U+2212; a hyphen reads the same
    }
