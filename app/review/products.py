"""Per-product results: every catalog product, and any other product that was explained, clicked or sold
(docs/review.md, "Per product")."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from app.core.events import Kind
from app.core.i18n import tr
from app.metrics.tracker import Rate
from app.review.comment_scan import comment_scan
from app.review.commerce_counts import commerce_future
from app.review.explain_windows import ExplainWindow
from app.review.session import SessionReader


@dataclass(frozen=True)
class ProductResult:
    """One product's results. Whole-session counts, plus ``window_*`` inside its explain windows."""

    product_id: str
    no: int | None
    name: str
    price_fen: int
    explain_s: float
    windows: int
    clicks: int
    clickers: int
    orders: int
    buyers: int
    units: int
    gmv_fen: int
    window_clicks: int
    window_clickers: int
    window_orders: int
    window_buyers: int
    window_clicked_buyers: int  # window buyers who also clicked it inside its windows (people)
    window_units: int
    window_gmv_fen: int
    intent_comments: int  # buying-intent comments while it was explained
    questions: int  # questions about it (naming "N号", or asked while it was explained)
    mentions: int  # comments naming its number, whenever written
    shop_orders: int = 0  # imported shop orders (import_shop_orders)
    shop_gmv_fen: int = 0

    @property
    def conversion(self) -> Rate:
        """Window buyers who clicked ÷ window clickers (people), as docs/metrics.md's per-product conversion:
        never over 100 %."""
        return Rate(self.window_clicked_buyers, self.window_clickers)


def read_products(reader: SessionReader) -> list[ProductResult]:
    sid = reader.session_id
    windows = reader.explain_windows()
    shop: dict[str, tuple[int, int]] = {}
    if reader.has_shop_orders:
        shop = {pid: (n, int(f)) for pid, n, f in reader.query(
            "SELECT product_id, count(*), total(amount_fen) FROM shop_orders WHERE session_id = ? "
            "GROUP BY product_id", (sid,))}
    scan = comment_scan(reader)
    commerce = commerce_future(reader).result()
    whole, inside = commerce.whole, commerce.inside
    # questions per product: the number it names, else the product explained when it was asked
    q_count: Counter[str] = Counter(scan.unnamed_questions)
    for named_no, n in scan.named_questions.items():
        pid = reader.by_no.get(named_no)
        if pid:
            q_count[pid] += n
    per_window: dict[str, list[ExplainWindow]] = defaultdict(list)
    intent_of: Counter[str] = Counter()
    for w, n in zip(windows, scan.intent_by_window, strict=True):
        per_window[w.product_id].append(w)
        intent_of[w.product_id] += n
    ids = list(reader.catalog)
    extra_ids = {pid for pid, _ in whole} | set(per_window) | set(shop)
    ids += sorted(i for i in extra_ids if i not in reader.catalog and i)
    out = []
    for pid in ids:
        no, name, price = reader.catalog.get(pid, (None, "", 0))
        ws = per_window.get(pid, [])
        clicks = whole.get((pid, Kind.PRODUCT_CLICK), (0, 0, 0, 0))
        orders = whole.get((pid, Kind.ORDER), (0, 0, 0, 0))
        w_clicks = inside.get((pid, Kind.PRODUCT_CLICK), (0, 0, 0, 0))
        w_orders = inside.get((pid, Kind.ORDER), (0, 0, 0, 0))
        intent = intent_of.get(pid, 0)
        if not name and ws:
            name = ws[0].name
        if no is None and ws:
            no = ws[0].no
        if not name and pid not in reader.catalog:
            name = tr("未匹配商品")  # orders or clicks naming a product the show's list did not have
        shop_n, shop_fen = shop.get(pid, (0, 0))
        out.append(ProductResult(
            product_id=pid, no=no, name=name, price_fen=price,
            explain_s=sum(w.end_ts - w.start_ts for w in ws), windows=len(ws),
            clicks=clicks[0], clickers=clicks[1], orders=orders[0], buyers=orders[1], units=int(orders[2]),
            gmv_fen=int(orders[3]),
            window_clicks=w_clicks[0], window_clickers=w_clicks[1], window_orders=w_orders[0],
            window_buyers=w_orders[1], window_clicked_buyers=commerce.inside_clicked_buyers.get(pid, 0),
            window_units=int(w_orders[2]), window_gmv_fen=int(w_orders[3]),
            intent_comments=intent, questions=q_count.get(pid, 0),
            mentions=scan.mentions.get(no, 0) if no is not None else 0,
            shop_orders=shop_n, shop_gmv_fen=shop_fen,
        ))
    return out

