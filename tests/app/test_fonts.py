"""Charts find a CJK font whatever matplotlib's font cache says (app/core/fonts.py).

Each test runs matplotlib in a fresh subprocess whose MPLCONFIGDIR holds a font cache written as if the
CJK font had been installed after matplotlib first ran: the cache lists every system font except those
that have Chinese glyphs. In that state matplotlib alone draws every Chinese label as a box.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.fonts import cjk_font_files

ROOT = Path(__file__).resolve().parents[2]

#: Writes the stale cache: matplotlib's own font list minus every font that has 中.
WRITE_STALE_CACHE = r"""
from pathlib import Path
import matplotlib
from matplotlib import font_manager as fm
from matplotlib import ft2font

def has_han(entry):
    try:
        font = ft2font.FT2Font(entry.fname, face_index=getattr(entry, "index", 0) or 0)
    except Exception:
        return False
    return font.get_char_index(ord("中")) != 0

manager = fm.FontManager()
manager.ttflist = [f for f in manager.ttflist if not has_han(f)]
fm.json_dump(manager, Path(matplotlib.get_cachedir(), f"fontlist-v{fm.FontManager.__version__}.json"))
"""

#: Reads the stale cache, asks app.core.fonts for families, draws Chinese and writes a report.
DRAW_AND_REPORT = r"""
import json, logging, sys, warnings
from pathlib import Path

records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())
logging.getLogger("livedeck.fonts").addHandler(Keep())
logging.getLogger("livedeck.fonts").setLevel(logging.INFO)

from matplotlib import font_manager as fm
stale = sorted({f.name for f in fm.fontManager.ttflist if "CJK" in f.name})

from app.core.fonts import matplotlib_cjk_families, matplotlib_font_rc
dirs = [Path(p) for p in json.loads(sys.argv[1])] if sys.argv[1] != "default" else None
families = matplotlib_cjk_families(dirs=dirs)

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with matplotlib.rc_context(matplotlib_font_rc()):
        fig = Figure(figsize=(3, 2))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_title("在线人数 评论/分钟")
        ax.set_xlabel("开播后分钟")
        fig.canvas.draw()
        used = fm.findfont(fm.FontProperties(family=matplotlib.rcParams["font.sans-serif"]))
    report = None
    if sys.argv[2] != "-":
        from tests.app.test_review import build_log
        from app.review.report import write_report
        log = Path(sys.argv[2]) / "sessions.sqlite"
        report = str(write_report(log, build_log(log), Path(sys.argv[2]) / "report.html"))
print(json.dumps({"stale": stale, "families": families, "used": used, "report": report,
                  "warnings": [str(w.message) for w in caught], "log": records}))
"""


def _run(mpl_dir: Path, script: str, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLCONFIGDIR": str(mpl_dir), "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def stale_cache(tmp_path: Path) -> Path:
    """An MPLCONFIGDIR whose font cache has no font with Chinese glyphs."""
    if not cjk_font_files():
        pytest.skip("no CJK font installed on this machine (Debian: fonts-noto-cjk)")
    mpl_dir = tmp_path / "mpl"
    mpl_dir.mkdir()
    done = _run(mpl_dir, WRITE_STALE_CACHE)
    assert done.returncode == 0, done.stderr
    return mpl_dir


def _draw(mpl_dir: Path, out_dir: Path | None, *, dirs: list[Path] | None = None,
          path: str | None = None) -> dict[str, object]:
    arg = "default" if dirs is None else json.dumps([str(d) for d in dirs])
    done = _run(mpl_dir, DRAW_AND_REPORT, arg, str(out_dir) if out_dir else "-", path=path)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _missing_glyph(warnings: object) -> list[str]:
    assert isinstance(warnings, list)
    return [w for w in warnings if "missing from font" in w or "Glyph" in w]


def test_stale_cache_still_draws_chinese_and_writes_the_report(stale_cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = _draw(stale_cache, out)
    assert result["stale"] == [], "the cache under test should know no CJK font"
    families = result["families"]
    assert isinstance(families, list)
    assert families
    assert any(k in families[0] for k in ("CJK", "Han", "WenQuanYi", "PingFang", "YaHei", "Hei")), families
    assert "DejaVu" not in str(result["used"]), result["used"]
    assert _missing_glyph(result["warnings"]) == []
    report = Path(str(result["report"]))
    html = report.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert "直播复盘" in html


def test_without_fontconfig_the_font_folders_are_searched(stale_cache: Path) -> None:
    # PATH without fc-list: only the usual font folders are left.
    result = _draw(stale_cache, None, path=str(Path(sys.executable).parent))
    families = result["families"]
    assert isinstance(families, list)
    assert families, result
    assert _missing_glyph(result["warnings"]) == []


def test_no_cjk_font_at_all_says_so_once(stale_cache: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    result = _draw(stale_cache, None, dirs=[empty], path=str(Path(sys.executable).parent))
    assert result["families"] == []
    log = result["log"]
    assert isinstance(log, list)
    assert len(log) == 1
    assert "no CJK font" in log[0]
    assert _missing_glyph(result["warnings"]) != []  # and the boxes are real: that is what the line warns of
