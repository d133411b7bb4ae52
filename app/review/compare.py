"""Comparing sessions: two or more side by side, their summaries and each product's results per session."""

from __future__ import annotations

from dataclasses import dataclass

from app.review.log_access import PathLike
from app.review.products import ProductResult
from app.review.results import Review
from app.review.summary import Summary


@dataclass(frozen=True)
class CompareProduct:
    """One product across the compared sessions (matched by product id, else by name)."""

    key: str
    name: str
    results: tuple[ProductResult | None, ...]  # one per session, None if absent


@dataclass(frozen=True)
class Comparison:
    """The compared sessions' summaries (in the order asked) and their products."""

    sessions: list[Summary]
    products: list[CompareProduct]


def compare(path: PathLike, session_ids: list[int]) -> Comparison:
    """Two or more sessions side by side: their summaries, and each product's results per session
    (matched by product id, else by name)."""
    summaries: list[Summary] = []
    per_session: list[dict[str, ProductResult]] = []
    names: dict[str, str] = {}
    order: list[str] = []
    for sid in session_ids:
        with Review(path, sid) as r:
            summaries.append(r.summary())
            found: dict[str, ProductResult] = {}
            for p in r.products():
                key = p.product_id or p.name
                found[key] = p
                if key not in names:
                    names[key] = p.name
                    order.append(key)
            per_session.append(found)
    products = [CompareProduct(k, names[k], tuple(s.get(k) for s in per_session)) for k in order]
    return Comparison(summaries, products)
