"""`livedeck record --catalog FILE` and `--show NAME`: a real subprocess against the demo room, the
products it ran with in the log, the review naming them by the file's 序号 and names."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.commerce.catalog import demo_catalog_path, load_products_csv
from app.core.events import Command
from app.review.results import Review
from app.show.preparation import Preparation, ShowLibrary


@pytest.fixture
def demo_url(demo_room: Callable[..., str]) -> str:
    return demo_room(seed=3, rate=300)


def _record(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "record", "--source", url, "--db", str(tmp_path / "rec.sqlite"),
         "--duration", "2", *extra],
        capture_output=True, text=True, timeout=60, env={**os.environ, "LIVEDECK_HOME": str(tmp_path)},
    )


def _renamed_demo_catalog(tmp_path: Path) -> Path:
    """The demo room's products (its orders name their product ids) under our own 序号 and names."""
    lines = ["序号,商品ID,商品名称,到手价"]
    for p in load_products_csv(demo_catalog_path()):
        lines.append(f"{p.no + 100},{p.product_id},我们的{p.no}号货,{p.price_fen / 100:.2f}")
    path = tmp_path / "我们的货盘.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_record_with_a_catalog_file_stores_it_and_the_review_names_the_products(
    demo_url: str, tmp_path: Path
) -> None:
    done = _record(tmp_path, demo_url, "--catalog", str(_renamed_demo_catalog(tmp_path)))
    assert done.returncode == 0, done.stderr
    with Review(tmp_path / "rec.sqlite", 1) as review:
        products = review.products()
    demo = load_products_csv(demo_catalog_path())
    listed = [(p.no, p.name) for p in products[:len(demo)]]
    assert listed == [(p.no + 100, f"我们的{p.no}号货") for p in demo]
    assert all(p.no is not None and p.name for p in products)  # no product known only by its raw id


def test_record_with_a_saved_show_runs_its_products_and_plan(demo_url: str, tmp_path: Path) -> None:
    products = load_products_csv(demo_catalog_path())[:4]
    ShowLibrary(tmp_path / "shows").save(Preparation(
        "周五晚场", products,
        {"coupon": Command("drop_coupon", {"kind": "直减", "discount_fen": 500, "quantity": 10, "coupon_id": "c1"},
                           "local", "coupon:c1")},
        {"steps": [{"at": 0.2, "command": "explain", "args": {"no": 4}}]},
    ))
    done = _record(tmp_path, demo_url, "--show", "周五晚场")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "rec.sqlite") as conn:
        title = conn.execute("select title from sessions").fetchone()[0]
        stored = conn.execute("select no, name from products order by position").fetchall()
        explained = conn.execute(
            "select actor, result from actions where name = 'explain'").fetchall()
    assert title.startswith("周五晚场 ")
    assert stored == [(p.no, p.name) for p in products]
    assert explained == [("plan", "applied")]


def test_record_with_an_unknown_show_says_which_shows_there_are(demo_url: str, tmp_path: Path) -> None:
    ShowLibrary(tmp_path / "shows").save(Preparation("早场", load_products_csv(demo_catalog_path())[:2]))
    done = _record(tmp_path, demo_url, "--show", "晚场")
    assert done.returncode == 2
    assert done.stderr.strip() == "无法录制：没有名为「晚场」的直播方案；已保存的方案：早场"
    assert not (tmp_path / "rec.sqlite").exists()
