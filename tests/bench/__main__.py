"""``make bench``: run every ``tests/bench/bench_*.py`` module's ``run()`` and print one table.

A module's ``run()`` returns rows ``(name, value, unit[, budget])``; a budget reads ``"≤ 10"`` or
``"≥ 25000"`` (in the row's unit). Run one module: ``python -m tests.bench charts``. Exit status 1 if a
row is over its budget.
"""

from __future__ import annotations

import importlib
import re
import sys
import traceback
from pathlib import Path

_BUDGET = re.compile(r"^\s*(≤|<=|≥|>=)\s*([\d,._]+)")


def _ok(value: float, budget: str) -> str:
    match = _BUDGET.match(budget)
    if not match:
        return ""
    limit = float(match.group(2).replace(",", "").replace("_", ""))
    good = value <= limit if match.group(1) in ("≤", "<=") else value >= limit
    return "ok" if good else "OVER"


def _fmt(value: float) -> str:
    if value != value:  # NaN
        return "nan"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}"


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    rows: list[tuple[str, str, str, str, str]] = []
    for name in names:
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"tests.bench.{name}")
            results = module.run()
        except Exception:
            traceback.print_exc()
            rows.append((f"{name}: FAILED", "", "", "", "FAIL"))
            continue
        for row in results:
            label, value, unit = row[0], float(row[1]), row[2]
            budget = row[3] if len(row) > 3 else ""
            rows.append((label, _fmt(value), unit, budget, _ok(value, budget)))
    header = ("name", "value", "unit", "budget", "ok")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    line = " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        cells = [r[0].ljust(widths[0]), r[1].rjust(widths[1]), *(c.ljust(w) for c, w in zip(r[2:], widths[2:],
                                                                                        strict=True))]
        print(" | ".join(cells))
    return 1 if any(r[4] in ("OVER", "FAIL") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
