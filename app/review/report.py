"""Shareable post-show reports: HTML (one self-contained file), XLSX, CSV (the events), PDF.

``write_report(log, session_id, out_path, lang)`` picks the format by the file extension. Every number
comes from :class:`app.review.results.Review` (docs/review.md). Charts are drawn with ``matplotlib.figure.Figure``
(never pyplot or a GUI backend) in the CJK families ``app.core.fonts`` finds, even past a stale font
cache, and embedded as base64 PNG in the HTML.
Text goes through ``app.core.i18n.tr``: Chinese by default, English with ``lang="en"``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import html
import io
import logging
import os
import sqlite3
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from app.core import i18n
from app.core.fonts import matplotlib_font_rc
from app.core.i18n import tr
from app.core.units import format_clock, format_datetime, format_fen, format_fen_or_dash, format_time_of_day
from app.metrics.tracker import Rate
from app.review.export_cells import mark_text, write_events_csv, xlsx_value
from app.review.highlights import no_highlight_reason, rule_text
from app.review.log_access import PathLike, ReviewError
from app.review.question_kinds import group_questions
from app.review.questions import Question
from app.review.report_notes import report_notes
from app.review.results import Review
from app.review.session import SessionReader
from app.review.summary import Summary
from app.review.timeline import marker_kind_name
from app.store.integrity import log_error_text

FORMATS = (".html", ".xlsx", ".csv", ".pdf")


class ReportError(ValueError):
    """The report cannot be written (unknown extension); the message is for the user."""


@contextlib.contextmanager
def _language(lang: str) -> Iterator[None]:
    """Write the report in ``lang`` and restore the UI language afterwards."""
    before = i18n.language()
    i18n.set_language(lang)
    try:
        yield
    finally:
        i18n.set_language(before)


def write_report(path: PathLike, session_id: int, out_path: PathLike, lang: str = "zh") -> Path:
    """Write the report of ``session_id`` in the log ``path`` to ``out_path`` (.html/.xlsx/.csv/.pdf).

    Raises:
        ReportError: the extension is not one of :data:`FORMATS`.
        ReviewError: the log or the session does not exist.
    """
    out = Path(out_path)
    ext = out.suffix.lower()
    if ext not in FORMATS:
        raise ReportError(tr("不支持的报告格式 {ext}：请用 .html、.xlsx、.csv 或 .pdf", ext=ext or "''"))
    with _language(lang):
        if ext == ".csv":
            write_events_csv(path, session_id, out)
            return out
        with Review(path, session_id) as review:
            if ext == ".html":
                _write_html(review, out)
            elif ext == ".xlsx":
                _write_xlsx(review, out)
            else:
                _write_pdf(review, out)
    return out


# --- formatting --------------------------------------------------------------------------------------


def pct(rate: Rate) -> str:
    return rate.percent(1)


def status_text(status: str) -> str:
    return {"live": tr("直播中"), "ended": tr("已结束"), "interrupted": tr("中断")}.get(status, status)


def kpis(s: Summary) -> list[tuple[str, str]]:
    """The summary as (label, value) rows, in the report language."""
    avg = "—" if s.average_online is None else f"{s.average_online:,.1f}"
    aov = s.aov_fen.value
    return [
        (tr("场次"), f"#{s.session_id} {s.title}"),
        (tr("平台"), s.platform_name),
        (tr("开始"), format_datetime(s.started_at)),
        (tr("时长"), format_clock(s.duration_s)),
        (tr("状态"), status_text(s.status)),
        (tr("最高在线"), f"{s.peak_online:,}"),
        (tr("平均在线"), avg),
        (tr("观看人数"), f"{s.viewers_uv:,}"),
        (tr("进房次数"), f"{s.entries_pv:,}"),
        (tr("评论数"), f"{s.comments:,}"),
        (tr("评论人数"), f"{s.commenters:,}"),
        (tr("提问数"), f"{s.questions:,}"),
        (tr("点赞"), f"{s.likes:,}"),
        (tr("涨粉"), f"{s.follows:,}"),
        (tr("商品点击次数"), f"{s.clicks:,}"),
        (tr("订单数"), f"{s.orders:,}"),
        (tr("成交人数"), f"{s.buyers:,}"),
        (tr("件数"), f"{s.units:,}"),
        (tr("成交金额"), format_fen(s.gmv_fen)),
        (tr("客单价"), format_fen_or_dash(aov)),
        (tr("观看-成交转化率"), pct(s.watch_to_buy)),
        (tr("点击-成交转化率"), pct(s.click_to_buy)),
        (tr("互动率"), pct(s.interaction_rate)),
        (tr("关注率"), pct(s.follow_rate)),
    ]


def product_table(review: Review) -> tuple[list[str], list[list[Any]]]:
    header = [tr("序号"), tr("商品"), tr("讲解时长"), tr("讲解次数"), tr("点击"), tr("订单数"), tr("成交人数"),
              tr("件数"), tr("成交金额"), tr("讲解中转化率"), tr("想买评论"), tr("提问")]
    rows = [
        [p.no if p.no is not None else "", p.name or p.product_id, format_clock(p.explain_s), p.windows, p.clicks,
         p.orders, p.buyers, p.units, format_fen(p.gmv_fen), pct(p.conversion), p.intent_comments, p.questions]
        for p in review.products()
    ]
    return header, rows


def answered_text(how: str, blocked: bool = False) -> str:
    """How a question was answered; 已屏蔽 for a blocked viewer's question nobody answered."""
    unanswered = tr("已屏蔽") if blocked else tr("未回答")
    return {"pinned": tr("已置顶"), "replied": tr("已回复"), "explained": tr("已讲解")}.get(how, unanswered)


# --- charts ------------------------------------------------------------------------------------------

_MARK_COLORS = {"flash_sale_start": "#d62728", "flash_sale_end": "#ff9896", "coupon_drop": "#2ca02c",
                "lucky_bag": "#9467bd", "alert": "#ff7f0e"}


#: One colour per product's explain windows (matplotlib's tab10, light enough to shade behind lines).
_PRODUCT_COLORS = ("#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5",
                   "#c7c7c7", "#ff9896")


def timeline_legend(review: Review) -> list[tuple[str, str, str]]:
    """(what, colour, label) of the timeline's legend: ``"area"`` per explained product (its own colour, in
    the order first explained), then ``"dash"`` per kind of marker."""
    colors = _product_colors(review)
    out = []
    for w in review.explain_windows():
        if w.product_id in colors:
            name = w.name or w.product_id
            out.append(("area", colors.pop(w.product_id),
                        tr("{no}号 {name}", no=w.no, name=name) if w.no is not None else name))
    kinds = dict.fromkeys(m.kind for m in review.markers())
    return out + [("dash", _MARK_COLORS.get(k, "grey"), marker_kind_name(k)) for k in kinds]


def _product_colors(review: Review) -> dict[str, str]:
    ids = list(dict.fromkeys(w.product_id for w in review.explain_windows()))
    return {pid: _PRODUCT_COLORS[i % len(_PRODUCT_COLORS)] for i, pid in enumerate(ids)}


def timeline_figure(review: Review, width: float = 8.0) -> Figure:
    """Online, comments and cumulative GMV per minute; each product's explain windows shaded in its own
    colour and the flash sales, coupons, lucky bags and alerts dashed, both named in the legend on top."""
    points = review.timeline(60)
    t0 = review.started_at
    minutes = [(p.ts - t0) / 60 for p in points]
    fig = Figure(figsize=(width, 6.8), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    series = [
        ([p.online for p in points], tr("在线人数"), "#1f77b4"),
        ([p.comments for p in points], tr("评论/分钟"), "#8c564b"),
        ([p.cumulative_gmv_fen / 100 for p in points], tr("累计成交金额（元）"), "#d62728"),
    ]
    windows, markers = review.explain_windows(), review.markers()
    colors = _product_colors(review)
    handles: list[Any] = [Patch(color=color, alpha=0.7, label=label) if what == "area" else
                          Line2D([], [], color=color, linestyle="--", linewidth=1.2, label=label)
                          for what, color, label in timeline_legend(review)]
    for ax, (values, label, color) in zip(axes, series, strict=True):
        ax.plot(minutes, values, color=color, linewidth=1.4)
        ax.set_ylabel(label, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        for w in windows:
            ax.axvspan((w.start_ts - t0) / 60, (w.end_ts - t0) / 60, color=colors[w.product_id], alpha=0.6,
                       linewidth=0)
        for m in markers:
            ax.axvline((m.ts - t0) / 60, color=_MARK_COLORS.get(m.kind, "grey"), linewidth=0.9, linestyle="--")
    if handles:
        fig.legend(handles=handles, loc="outside upper center", ncol=min(len(handles), 5), fontsize=8,
                   frameon=False)
    axes[-1].set_xlabel(tr("开播后分钟"), fontsize=8)
    return fig


def keywords_figure(words: list[tuple[str, int]], width: float = 4.5) -> Figure:
    words = words[:20]
    fig = Figure(figsize=(width, max(2.0, 0.28 * len(words) + 0.8)), layout="constrained")
    ax = fig.subplots()
    ax.barh([w for w, _ in reversed(words)], [n for _, n in reversed(words)], color="#1f77b4")
    ax.set_xlabel(tr("出现次数"), fontsize=8)
    ax.tick_params(labelsize=9)
    ax.set_title(tr("评论热词"), fontsize=10)
    return fig


def _chart_rc() -> Any:
    """The charts' fonts, and every text (a title, a product's name, a viewer's word) as plain text: a
    ``$`` never starts mathtext."""
    return {**matplotlib_font_rc(), "text.parse_math": False}


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# --- HTML --------------------------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;padding:12px;
max-width:1100px;color:#222;background:#fafafa;line-height:1.5;overflow-wrap:anywhere}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;border-bottom:2px solid #e33;padding-bottom:2px;margin-top:1.4em}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px}
.kpi{background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px 8px}
.kpi .v{font-size:1.15em;font-weight:bold}.kpi .l{font-size:.8em;color:#666}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;background:#fff;font-size:.9em;white-space:nowrap}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left}th{background:#f0f0f0}
img{max-width:100%;height:auto}.muted{color:#888;font-size:.85em}.no{color:#c00}.yes{color:#080}
td.wrap{white-space:normal;min-width:10em}table.fit{white-space:normal;width:100%}table.fit th{overflow-wrap:normal}
.legend .li{display:inline-block;margin:0 1em .3em 0;font-size:.9em}
.legend .area{display:inline-block;width:1.4em;height:.9em;margin-right:.3em;vertical-align:middle}
.legend .dash{display:inline-block;width:1.4em;margin-right:.3em;vertical-align:middle;border-top:2px dashed}
.note{background:#fff4e5;border:1px solid #f0a000;border-radius:4px;padding:4px 8px}
details{margin:.6em 0}summary{cursor:pointer;color:#c33}
@media (max-width:600px){body{padding:8px}table{font-size:.82em}th,td{padding:3px 4px}}
"""


def _table(header: list[str], rows: list[list[Any]], wrap: tuple[int, ...] = (), fit: bool = False) -> str:
    """A table that scrolls sideways inside its box on a narrow screen; columns ``wrap`` (long viewer text)
    wrap instead; a ``fit`` table wraps every cell and never needs to scroll."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join((f'<td class="wrap">{html.escape(str(c))}</td>' if i in wrap
                                     else f"<td>{html.escape(str(c))}</td>") for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    table = '<table class="fit">' if fit else "<table>"
    return f'<div class="scroll">{table}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _legend_html(review: Review) -> str:
    """The timeline's legend as text (readable on a phone, where the chart's own is small)."""
    items = "".join(
        f'<span class="li"><span class="{what}" style="{"background" if what == "area" else "border-color"}:'
        f'{color}"></span>{html.escape(label)}</span>' for what, color, label in timeline_legend(review))
    caption = html.escape(tr("色块：商品讲解时段；虚线：秒杀、发券、福袋、提醒"))
    return f'<div class="legend"><p class="muted">{caption}</p>{items}</div>'


def _questions_html(questions: list[Question], max_questions: int) -> list[str]:
    """The questions by kind (count, unanswered, the most asked), then every question folded away."""
    answered, blocked = sum(q.answered for q in questions), sum(q.blocked and not q.answered for q in questions)
    parts = [f"<h2>{html.escape(tr('观众提问'))}</h2><p>"
             + html.escape(tr("共 {n} 个问题，已回答 {answered} 个，未回答 {open} 个", n=len(questions),
                              answered=answered, open=len(questions) - answered - blocked)
                           + (tr("，已屏蔽的观众 {n} 个", n=blocked) if blocked else "")) + "</p>"]
    if not questions:
        return parts
    parts.append(_table([tr("类别"), tr("提问"), tr("未回答"), tr("问得最多")], [
        [g.kind, g.count, g.unanswered, "；".join(tr("{text} ×{n}", text=t, n=n) for t, n in g.top)]
        for g in group_questions(questions)], fit=True))
    shown = sorted(questions, key=lambda q: not q.unanswered)[:max_questions]  # unanswered first
    shown.sort(key=lambda q: (not q.unanswered, q.seq))
    parts.append(f"<details><summary>{html.escape(tr('全部问题（未回答在前）'))}</summary>")
    parts.append(_table([tr("时间"), tr("观众"), tr("问题"), tr("商品"), tr("回答")], [
        [format_time_of_day(q.ts), q.user_name, q.text, f"{q.product_no}号" if q.product_no is not None else "",
         answered_text(q.answered_how, q.blocked)] for q in shown], wrap=(2,)))
    if len(questions) > len(shown):
        parts.append(f'<p class="muted">{html.escape(tr("仅显示前 {n} 个", n=len(shown)))}</p>')
    parts.append("</details>")
    return parts


def _img(fig: Figure, alt: str) -> str:
    with matplotlib.rc_context(_chart_rc()):
        data = _png(fig)
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _write_html(review: Review, out: Path, max_questions: int = 500) -> None:
    s = review.summary()
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if i18n.language() == "zh" else i18n.language()}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(tr('直播复盘'))} — {html.escape(s.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(tr('直播复盘'))}：{html.escape(s.title)}</h1>",
        f'<p class="muted">{html.escape(format_datetime(s.started_at))} · {html.escape(format_clock(s.duration_s))} · '
        f"{html.escape(status_text(s.status))} · LiveDeck</p>",
        *(f'<p class="note">{html.escape(note)}</p>' for note in report_notes(review)),
        f"<h2>{html.escape(tr('概览'))}</h2><div class=\"kpis\">",
    ]
    for label, value in kpis(s)[5:]:
        parts.append(f'<div class="kpi"><div class="v">{html.escape(value)}</div>'
                     f'<div class="l">{html.escape(label)}</div></div>')
    parts.append("</div>")
    with matplotlib.rc_context(_chart_rc()):
        timeline = timeline_figure(review)
        parts += [f"<h2>{html.escape(tr('时间线'))}</h2>", _img(timeline, tr("时间线")),
                  _legend_html(review)]
    windows = review.explain_windows()
    if windows:
        parts.append(_table([tr("序号"), tr("商品"), tr("开始"), tr("结束"), tr("时长")], [
            [w.no if w.no is not None else "", w.name or w.product_id, format_time_of_day(w.start_ts),
             format_time_of_day(w.end_ts), format_clock(w.end_ts - w.start_ts)] for w in windows]))
    header, rows = product_table(review)
    parts += [f"<h2>{html.escape(tr('商品'))}</h2>", _table(header, rows)]
    parts += _questions_html(review.questions(), max_questions)
    words = review.keywords(30)
    parts.append(f"<h2>{html.escape(tr('评论关键词'))}</h2>")
    if words:
        with matplotlib.rc_context(_chart_rc()):
            parts.append(_img(keywords_figure(words), tr("评论热词")))
    else:
        parts.append(f"<p>{html.escape(tr('无'))}</p>")
    parts.append(f"<h2>{html.escape(tr('高光时刻'))}</h2><p class=\"muted\">{html.escape(rule_text())}</p>")
    highlights = review.highlights()
    parts.append(_table([tr("时间"), tr("10 秒评论"), tr("平时每 10 秒"), tr("评论摘录")], [
        [format_time_of_day(h.ts), h.comments, f"{h.baseline:.1f}", " / ".join(h.samples)] for h in highlights],
        wrap=(3,)) if highlights else f"<p>{html.escape(no_highlight_reason(review))}</p>")
    promo = review.promotions()
    parts.append(f"<h2>{html.escape(tr('营销活动'))}</h2>")
    if promo.flash_sales:
        parts.append(f"<h3>{html.escape(tr('秒杀'))}</h3>" + _table(
            [tr("商品"), tr("秒杀价"), tr("库存"), tr("已售"), tr("售罄率"), tr("开始"), tr("结束")],
            [[f"{f.no}号 {f.name}" if f.no is not None else f.product_id, format_fen(f.price_fen), f.stock, f.sold,
              pct(f.sell_through), format_time_of_day(f.start_ts) if f.start_ts else "",
              format_time_of_day(f.end_ts) if f.end_ts else ""]
             for f in promo.flash_sales]))
    if promo.coupons:
        parts.append(f"<h3>{html.escape(tr('优惠券'))}</h3>" + _table(
            [tr("优惠券"), tr("数量"), tr("已领"), tr("领取人数"), tr("领取率"), tr("发放时间")],
            [[c.label, c.quantity, c.claimed, c.claimers, pct(c.claim_rate), format_time_of_day(c.ts)]
             for c in promo.coupons]))
    if promo.lucky_bags:
        parts.append(f"<h3>{html.escape(tr('福袋'))}</h3>" + _table(
            [tr("开始"), tr("条件"), tr("参与人数"), tr("中奖"), tr("随机种子"), tr("状态")],
            [[format_time_of_day(b.ts), b.condition, b.participants, "、".join(b.winners),
              b.seed if b.seed is not None else "", b.status_text] for b in promo.lucky_bags]))
    if not (promo.flash_sales or promo.coupons or promo.lucky_bags):
        parts.append(f"<p>{html.escape(tr('无'))}</p>")
    parts.append(f'<p class="muted">{html.escape(tr("LiveDeck 生成于 {time}", time=format_datetime(time.time())))}'
                 "</p></body></html>")
    _atomic_write_text(out, "\n".join(parts))


def _atomic_write_text(out: Path, text: str) -> None:
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)


# --- XLSX --------------------------------------------------------------------------------------------


#: Excel number formats: money in yuan, rates as percentages, durations, moments.
MONEY_FORMAT = '"¥"#,##0.00'
RATE_FORMAT = "0.0%"
DURATION_FORMAT = "[h]:mm:ss"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
COUNT_FORMAT = "#,##0"


def _moment(ts: float) -> datetime.datetime | float:
    """A unix time as the local wall-clock time Excel shows (it has no time zones); one no calendar holds
    (a bridge's milliseconds) as the number it is."""
    try:
        return datetime.datetime.fromtimestamp(ts)
    except (OverflowError, OSError, ValueError):
        return ts


def _duration(seconds: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=round(seconds))


def _sheet(wb: Any, title: str, header: list[str], rows: Iterator[list[Any]] | list[list[Any]],
           formats: dict[int, str], first: bool = False) -> Any:
    """A sheet with a bold, frozen header row, ``formats`` by column index, and columns as wide as their
    longest text (CJK counts double)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(header)
    widths = [_text_width(h) for h in header]
    for row in rows:
        ws.append([xlsx_value(v) for v in row])
        for cell in ws[ws.max_row]:
            mark_text(cell)
        for i, value in enumerate(row):
            if isinstance(value, str):
                widths[i] = max(widths[i], _text_width(value))
    for i, fmt in formats.items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
            cell.number_format = fmt
    for i, width in enumerate(widths):
        number = 14 if i in formats and formats[i] != COUNT_FORMAT else 10
        ws.column_dimensions[get_column_letter(i + 1)].width = min(max(width + 2, number), 60)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    return ws


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_xlsx(review: Review, out: Path) -> None:
    from openpyxl import Workbook

    s = review.summary()
    wb = Workbook()
    money = (MONEY_FORMAT, lambda fen: None if fen is None else fen / 100)
    rate = (RATE_FORMAT, lambda r: r.value)
    count = (COUNT_FORMAT, lambda n: n)
    summary: list[tuple[str, Any, tuple[str, Any] | None]] = [
        (tr("场次"), f"#{s.session_id} {s.title}", None), (tr("平台"), s.platform_name, None),
        (tr("开始"), _moment(s.started_at), (DATETIME_FORMAT, lambda v: v)),
        (tr("时长"), _duration(s.duration_s), (DURATION_FORMAT, lambda v: v)),
        (tr("状态"), status_text(s.status), None), (tr("最高在线"), s.peak_online, count),
        (tr("平均在线"), None if s.average_online is None else round(s.average_online, 2), ("#,##0.0", lambda v: v)),
        (tr("观看人数"), s.viewers_uv, count), (tr("进房次数"), s.entries_pv, count), (tr("评论数"), s.comments, count),
        (tr("评论人数"), s.commenters, count), (tr("提问数"), s.questions, count), (tr("点赞"), s.likes, count),
        (tr("涨粉"), s.follows, count), (tr("商品点击次数"), s.clicks, count), (tr("点击人数"), s.clickers, count),
        (tr("订单数"), s.orders, count), (tr("成交人数"), s.buyers, count), (tr("件数"), s.units, count),
        (tr("成交金额（元）"), s.gmv_fen, money), (tr("客单价（元）"), s.aov_fen.value, money),
        (tr("观看-成交转化率"), s.watch_to_buy, rate), (tr("点击-成交转化率"), s.click_to_buy, rate),
        (tr("互动率"), s.interaction_rate, rate), (tr("关注率"), s.follow_rate, rate),
    ]
    summary[5:5] = [(tr("注意"), note, None) for note in report_notes(review)]
    ws = _sheet(wb, tr("概览"), [tr("指标"), tr("数值")],
                [[label, fmt[1](value) if fmt else value] for label, value, fmt in summary], {}, first=True)
    for (cell,), (_label, _value, fmt) in zip(ws.iter_rows(min_row=2, min_col=2, max_col=2), summary, strict=True):
        if fmt:
            cell.number_format = fmt[0]
    ws.column_dimensions["B"].width = 28

    # 讲解中转化率 = 讲解中点击且成交人数 ÷ 讲解中点击人数 (docs/metrics.md)
    _sheet(wb, tr("商品"), [
        tr("序号"), tr("商品ID"), tr("商品"), tr("讲解时长"), tr("讲解次数"), tr("点击"), tr("点击人数"), tr("订单数"),
        tr("成交人数"), tr("件数"), tr("成交金额（元）"), tr("讲解中点击人数"), tr("讲解中成交人数"),
        tr("讲解中点击且成交人数"), tr("讲解中成交金额（元）"), tr("讲解中转化率"), tr("想买评论"), tr("提问"),
        tr("提及"), tr("店铺订单"), tr("店铺成交金额（元）")], [
        [p.no, p.product_id, p.name, _duration(p.explain_s), p.windows, p.clicks, p.clickers, p.orders, p.buyers,
         p.units, p.gmv_fen / 100, p.window_clickers, p.window_buyers, p.window_clicked_buyers,
         p.window_gmv_fen / 100, p.conversion.value, p.intent_comments, p.questions, p.mentions, p.shop_orders,
         p.shop_gmv_fen / 100] for p in review.products()],
        {3: DURATION_FORMAT, 10: MONEY_FORMAT, 14: MONEY_FORMAT, 15: RATE_FORMAT, 20: MONEY_FORMAT,
         **dict.fromkeys((4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 17, 18, 19), COUNT_FORMAT)})

    _sheet(wb, tr("时间线"), [tr("时间"), tr("在线人数"), tr("平均在线"), tr("评论数"), tr("订单数"),
                               tr("成交金额（元）"), tr("累计成交金额（元）")], [
        [_moment(pt.ts), pt.online, round(pt.online_avg, 2), pt.comments, pt.orders, pt.gmv_fen / 100,
         pt.cumulative_gmv_fen / 100] for pt in review.timeline(60)],
        {0: "yyyy-mm-dd hh:mm", 1: COUNT_FORMAT, 2: "#,##0.0", 3: COUNT_FORMAT, 4: COUNT_FORMAT, 5: MONEY_FORMAT,
         6: MONEY_FORMAT})

    # 序号 counts the questions 1, 2, 3…: the log's event seq means nothing to the reader.
    _sheet(wb, tr("问题"), [tr("序号"), tr("时间"), tr("观众"), tr("问题"), tr("商品"), tr("已回答"), tr("回答"),
                          tr("已屏蔽")], [
        [i, _moment(q.ts), q.user_name, q.text, q.product_no, tr("是") if q.answered else tr("否"),
         answered_text(q.answered_how, q.blocked), tr("是") if q.blocked else ""]
        for i, q in enumerate(review.questions(), 1)],
        {1: DATETIME_FORMAT})
    tmp = out.with_name(out.name + ".part")
    wb.save(tmp)
    os.replace(tmp, out)


# --- PDF ---------------------------------------------------------------------------------------------


def _write_pdf(review: Review, out: Path) -> None:
    """One tall page: the KPIs as text, the timeline, the product table and the keywords.

    One page because ``PdfPages`` lives in ``matplotlib.backends``, which app/ must not import.
    """
    s = review.summary()
    header, rows = product_table(review)
    rows = rows[:40]
    words = review.keywords(15)
    with matplotlib.rc_context(_chart_rc()):
        fig = Figure(figsize=(8.27, 11.69 + 0.22 * len(rows)), layout="constrained")
        grid = fig.add_gridspec(4, 1, height_ratios=[2.2, 4.2, 1.2 + 0.22 * len(rows), 2.6])
        ax = fig.add_subplot(grid[0])
        ax.axis("off")
        ax.set_title(f"{tr('直播复盘')}：{s.title}", fontsize=13, loc="left")
        items = kpis(s) + [(tr("注意"), note) for note in report_notes(review)]
        half = (len(items) + 1) // 2
        for col, chunk in enumerate((items[:half], items[half:])):
            ax.text(0.0 + 0.5 * col, 1.0, "\n".join(f"{k}：{v}" for k, v in chunk), va="top", fontsize=8,
                    transform=ax.transAxes)
        sub = grid[1].subgridspec(3, 1)
        t0 = review.started_at
        points = review.timeline(60)
        minutes = [(p.ts - t0) / 60 for p in points]
        series: tuple[tuple[list[float], str], ...] = (
            ([p.online for p in points], tr("在线人数")),
            ([p.comments for p in points], tr("评论/分钟")),
            ([p.cumulative_gmv_fen / 100 for p in points], tr("累计成交金额（元）")),
        )
        for i, (values, label) in enumerate(series):
            a = fig.add_subplot(sub[i])
            a.plot(minutes, values, linewidth=1.2)
            a.set_ylabel(label, fontsize=7)
            a.tick_params(labelsize=6)
            for j, w in enumerate(review.explain_windows()):
                a.axvspan((w.start_ts - t0) / 60, (w.end_ts - t0) / 60, color="#ffe08a" if j % 2 else "#c6e2ff",
                          alpha=0.5, linewidth=0)
        at = fig.add_subplot(grid[2])
        at.axis("off")
        if rows:
            table = at.table(cellText=[[str(c) for c in r] for r in rows], colLabels=header, loc="upper center")
            table.auto_set_font_size(False)
            table.set_fontsize(6)
        ak = fig.add_subplot(grid[3])
        if words:
            ak.barh([w for w, _ in reversed(words)], [n for _, n in reversed(words)])
            ak.tick_params(labelsize=7)
            ak.set_title(tr("评论热词"), fontsize=9)
        else:
            ak.axis("off")
        tmp = out.with_name(out.name + ".part")
        fig.savefig(tmp, format="pdf")
    os.replace(tmp, out)


# --- CLI ---------------------------------------------------------------------------------------------


def run_cli(args: Any) -> int:
    """``livedeck report LOG [--session ID] -o FILE [--lang en]``: the report, its notes (unfinished, newer
    log…) on stderr; exit 2 with one line, never a traceback, when it cannot be made."""
    from app.review.library import list_sessions

    lang = getattr(args, "lang", None) or "zh"
    try:
        session = getattr(args, "session", None)
        if Path(args.output).suffix.lower() not in FORMATS:
            raise ReportError(tr("不支持的报告格式 {ext}：请用 .html、.xlsx、.csv 或 .pdf",
                                 ext=Path(args.output).suffix or "''"))
        if session is None:
            sessions = list_sessions(args.log)
            if not sessions:
                raise ReviewError(tr("日志中没有任何场次：{path}", path=args.log))
            session = sessions[0].id
        out = write_report(args.log, session, args.output, lang=lang)
        with _language(lang), SessionReader(args.log, session) as reader:
            notes = report_notes(reader)
    except (ReviewError, ReportError, OSError) as exc:
        return _cli_error(str(exc))
    except sqlite3.Error as exc:
        return _cli_error(log_error_text(args.log, exc))
    except Exception as exc:  # a log no check foresaw: still one line
        logging.getLogger("livedeck.review").debug("report failed", exc_info=True)
        return _cli_error(f"{type(exc).__name__}: {exc}")
    for note in notes:
        print(tr("注意：{note}", note=note), file=sys.stderr)
    print(tr("已生成场次 #{session} 的报告：{path}", session=session, path=out))
    return 0


def _cli_error(reason: str) -> int:
    print(tr("无法生成报告：{reason}", reason=reason), file=sys.stderr)
    return 2
