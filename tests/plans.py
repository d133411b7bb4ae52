"""Run-of-show plans as the tests write them: the plan file and the steps several tests share.

A plan file is what 导入流程 and ``--plan`` read (docs/plan.md): ``{"steps": [...]}`` as UTF-8 JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_plan(path: Path, steps: list[dict[str, Any]]) -> Path:
    """Write ``steps`` as a plan file at ``path`` and return the path."""
    path.write_text(json.dumps({"steps": steps}, ensure_ascii=False), encoding="utf-8")
    return path


def flash_sale_step(at: float, *, no: int, price_fen: int, stock: int, duration_s: float) -> dict[str, Any]:
    """A ``start_flash_sale`` step: ``stock`` of product ``no`` at ``price_fen`` for ``duration_s``."""
    return {"at": at, "command": "start_flash_sale",
            "args": {"no": no, "price_fen": price_fen, "stock": stock, "duration_s": duration_s}}


def coupon_step(at: float, command_id: str = "c-1") -> dict[str, Any]:
    """A ``drop_coupon`` step with its own id: 100 coupons of 满100减10."""
    return {"at": at, "command": "drop_coupon", "command_id": command_id,
            "args": {"kind": "满减", "threshold_fen": 10000, "discount_fen": 1000, "quantity": 100}}
