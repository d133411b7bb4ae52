"""Acting on a platform's live-control page (Playwright, async), by its profile's selectors.

Every action re-reads the page instead of keeping element handles: the goods list is virtualised (only
rows near the viewport exist, and a re-render replaces them), so a row is found by its 序号 each time,
scrolling the list towards it. A button is clicked with a dispatched ``click`` event (the platforms'
own pages misbehave with a real mouse click, and a dispatched one never scrolls). Before a click the
button's text must be the profile's idle or active label (讲解 / 取消讲解, 开始讲解 / 结束讲解): anything
else (更多, 下架) is a changed page, and :class:`ConsoleActionError` says so in one line for the operator.
A page that asks to confirm a switch from the product it explains (快手) has its confirm button
(``selectors.explain_confirm``) clicked when it shows within :data:`CONFIRM_WAIT_S` of the click; the
profile's known modals are closed first, so one popping up meanwhile is never what gets confirmed.

Elements are found by Playwright's CSS engine, which pierces open shadow roots (视频号's console is a 无界
micro-frontend inside a ``<wujie-app>`` shadow host); the page scripts only look inside what it found.
A 序号 is an input's value or an element's text, whichever the profile's ``goods_no`` names.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.connectors.console.profile import ConsoleProfile
from app.core.i18n import tr

log = logging.getLogger("livedeck.console")
MAX_SCROLL_ROUNDS = 40
SETTLE_S = 1.5  # how long a clicked button may take to show its new label
CONNECT_ROWS_MS = 10_000  # how long a freshly opened products tab may take to show its first row
ACCOUNT_WAIT_MS = 5_000  # how long the account page may take to show the name
#: Selectors of what the page shows only while a comment is acted on (a 上墙's 新消息, the message, its menu):
#: ``console-check`` leaves them out, as an empty comment list finds none of them.
SHOWN_WHEN_ACTING = ("pin_new_messages", "pin_message", "pin_menu_item", "explain_confirm")
CONFIRM_WAIT_S = 0.5  # how long after a click the page may take to ask to confirm it (快手's switch)
LINK_OPEN_MS = 10_000  # how long a link's new tab may take to open and load
LINK_ID = "livedeck-open-link"

#: The 序号 a row shows: an input's value (百应, 千帆) or an element's text (视频号's ``input + span``,
#: 淘宝's ``01`` badge), its first run of digits.
_NUMBER = "const number = e => { if (!e) return null; const m = String(e.tagName === 'INPUT' ? e.value" \
          " : e.textContent).match(/\\d+/); return m ? Number(m[0]) : null; };"
# Each script gets the elements Playwright's CSS engine found (it pierces open shadow roots, as on 视频号's
# 无界 micro-frontend), so none of them calls document.querySelector itself.
_FIND_BUTTON = "(rows, [noSel, btnSel, labels, no, click]) => {" + _NUMBER + """
  const numbers = rows.map(r => number(r.querySelector(noSel)));
  const at = numbers.indexOf(no);
  if (at < 0) return {row: false, numbers};
  const buttons = [...rows[at].querySelectorAll(btnSel)];
  const button = buttons.find(b => labels.includes(b.textContent.trim()))
    || buttons.find(b => labels.some(label => b.textContent.includes(label)));
  if (!button) return {row: true, text: null};
  const text = button.textContent.trim();
  const disabled = button.disabled || button.getAttribute('aria-disabled') === 'true'
    || /(^|[-_ ])disabled/.test(String(button.className));
  if (click && !disabled) button.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
  return {row: true, text, disabled};
}"""
_SCROLL = """([box], direction) => {
  if (!box) return null;
  const before = box.scrollTop;
  box.scrollTop = before + direction * Math.max(40, box.clientHeight * 0.8);
  box.dispatchEvent(new Event('scroll'));
  return box.scrollTop - before;
}"""
_ROWS = "(rows, [noSel, nameSel, priceSel, stockSel]) => {" + _NUMBER + """
  return rows.map(r => {
    const pick = s => { const e = s && r.querySelector(s); return e ? e.textContent.trim() : ''; };
    return {no: number(r.querySelector(noSel)), name: pick(nameSel), price: pick(priceSel), stock: pick(stockSel)};
  });
}"""
_CLICK = "([e]) => { if (!e) return false;" \
         " e.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true})); return true; }"
#: A link to ``url`` opening a new tab, added to the page (reused when it is there) and clicked.
_OPEN_LINK = """([id, url]) => {
  let a = document.getElementById(id);
  if (!a) { a = document.createElement('a'); a.id = id; a.target = '_blank'; a.rel = 'opener';
            a.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;opacity:0'; a.textContent = ' ';
            document.body.appendChild(a); }
  a.href = url;
  a.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
}"""
#: Clicks the newest of the messages whose text is exactly ``text``; false when none is.
_CLICK_NEWEST = """(messages, text) => {
  const hit = messages.filter(m => m.textContent.trim() === text).pop();
  if (!hit) return false;
  hit.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
  return true;
}"""
#: Clicks the menu item whose text is ``label``; false when none is.
_CLICK_LABELLED = """(items, label) => {
  const hit = items.find(i => i.textContent.trim() === label);
  if (!hit) return false;
  hit.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
  return true;
}"""
#: Clicks the first of the login page's buttons once per loaded page (a flag on its window, gone when it
#: navigates): clicked again, a QR code may be drawn anew while the user scans it.
_PRESS_LOGIN = """(buttons) => {
  if (!buttons.length || window.__livedeckLoginPressed) return false;
  window.__livedeckLoginPressed = true;
  buttons[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
  return true;
}"""
#: Clicks the newest of the elements that are shown (a modal's button; closed modals may stay hidden).
_CLICK_SHOWN = """(elements) => {
  const hit = elements.filter(e => e.getClientRects().length > 0).pop();
  if (!hit) return false;
  hit.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
  return true;
}"""
_PIN_STATE = "([l]) => { if (!l) return null;" \
             " const box = l.querySelector('input') || l.control; return box ? !!box.checked : false; }"

#: The page's HTML with its open shadow roots written out as declarative ``<template shadowrootmode>``
#: (``page.content()`` leaves them out, and 视频号's whole console is in one).
_HTML = """() => {
  const text = s => s.replace(/[&<>]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;'}[c]));
  const inner = node => [...node.childNodes].map(outer).join('');
  const outer = n => {
    if (n.nodeType === 3) return text(n.textContent);
    if (n.nodeType !== 1) return '';
    const tag = n.tagName.toLowerCase();
    const attrs = [...n.attributes].map(a => ` ${a.name}="${a.value.replace(/"/g, '&quot;')}"`).join('');
    const shadow = n.shadowRoot ? `<template shadowrootmode="open">${inner(n.shadowRoot)}</template>` : '';
    return `<${tag}${attrs}>${shadow}${inner(n)}</${tag}>`;
  };
  return '<!doctype html>' + outer(document.documentElement);
}"""


class ConsoleActionError(Exception):
    """An action the page did not carry out; ``str()`` is the one line for the log and the UI."""


async def open_via_link(page: Any, url: str, *, on_open: Callable[[Any], None] | None = None) -> Any:
    """A new tab on ``url``, opened by clicking a link on ``page`` (as a user's click would: the new page
    has ``page`` as its referrer); ``on_open(tab)`` is called as soon as the tab exists, before its page
    loads, so listeners on its responses and sockets miss nothing. ConsoleActionError when no tab opens."""
    try:
        async with page.context.expect_page(timeout=LINK_OPEN_MS) as opened:
            if on_open is not None:
                page.once("popup", on_open)
            await page.evaluate(_OPEN_LINK, [LINK_ID, url])
        tab = await opened.value
        await tab.wait_for_load_state("domcontentloaded", timeout=LINK_OPEN_MS)
    except Exception as exc:  # a Playwright timeout or error: the page swallowed the click, or was closed
        log.debug("no tab from the link to %s: %s", url, str(exc).splitlines()[0][:200])
        raise ConsoleActionError(tr("点击链接没有打开 {url}", url=url)) from None
    return tab


class PageDriver:
    """Acts on one open console ``page`` (a Playwright async Page) as ``profile`` describes it.

    The goods list is on ``page`` too, unless the profile names a products tab (``urls.products``, as on
    视频号): that tab is opened beside the console, at ``products_url``, the first time it is needed.
    """

    def __init__(self, page: Any, profile: ConsoleProfile, *, products_url: str = "", account_url: str = "") -> None:
        self.page = page
        self.profile = profile
        self.sel = profile.selectors
        self.products_url = products_url
        self.account_url = account_url
        self._goods_tab: Any = None

    @property
    def goods_tab(self) -> Any:
        """The products tab when the profile has one and it is open (None otherwise)."""
        return self._goods_tab

    async def save_diagnostics(self, stem: Path) -> None:
        """A screenshot and the HTML (shadow roots written out) of the console page, ``<stem>.png|.html``,
        and of the products tab when it is open, ``<stem>-products.png|.html``."""
        tabs = [(stem, self.page)]
        if self._goods_tab is not None and not self._goods_tab.is_closed():
            tabs.append((stem.with_name(stem.name + "-products"), self._goods_tab))
        for path, page in tabs:
            await page.screenshot(path=str(path.with_suffix(".png")))
            path.with_suffix(".html").write_text(await page.evaluate(_HTML), encoding="utf-8")

    async def goods_page(self) -> Any:
        """The page the goods list is on (the products tab, opened now if it is not open)."""
        if not self.products_url:
            return self.page
        if self._goods_tab is None or self._goods_tab.is_closed():
            self._goods_tab = await self.page.context.new_page()
            await self._goods_tab.goto(self.products_url, wait_until="domcontentloaded")
            with contextlib.suppress(Exception):  # no row yet: _button says so in its own words
                await self._goods_tab.locator(self.sel["goods_row"]).first.wait_for(timeout=CONNECT_ROWS_MS)
        return self._goods_tab

    async def account_name(self) -> str:
        """The account name the page shows ('' when unknown), without the profile's ``account_suffix``
        (千帆's 的店); read in a temporary tab when the profile names an account page (视频号)."""
        selector = self.sel.get("account_name", "")
        if not selector:
            return ""
        if not self.account_url:
            names = await self.page.locator(selector).all_inner_texts()
        else:
            if "account" in self.profile.open_via_link:
                tab = await open_via_link(self.page, self.account_url)
            else:
                tab = await self.page.context.new_page()
                await tab.goto(self.account_url, wait_until="domcontentloaded")
            try:
                with contextlib.suppress(Exception):  # no name there: the status shows none
                    await tab.locator(selector).first.wait_for(timeout=ACCOUNT_WAIT_MS)
                names = await tab.locator(selector).all_inner_texts()
            finally:
                await tab.close()
        suffix = str(self.profile.texts.get("account_suffix", ""))
        return names[0].strip().removesuffix(suffix)[:40] if names else ""

    async def press_login(self) -> bool:
        """Click the profile's ``login_click`` button on the login page, once per loaded page (蒲公英's
        login page shows its QR code only then); whether it was clicked now."""
        if not self.profile.login_click:
            return False
        return bool(await self.page.locator(self.profile.login_click).evaluate_all(_PRESS_LOGIN))

    async def live_id(self) -> str:
        """The id of the session on air that the live-plan page lists (淘宝), '' when it lists none."""
        shown = await self.page.locator(self.profile.live_id["selector"]).all_inner_texts()
        digits = "".join(ch for ch in (shown[0] if shown else "") if ch.isdigit())
        return digits

    async def explain(self, no: int) -> str:
        """Pop product ``no`` (its button shows the active label after); cancels and re-pops a product
        the page already explains. A platform without a toggle (淘宝's 弹品) gets one click, after which
        the button must still be its 弹品 button. Returns what was done, for the ``actions`` row."""
        state = await self._button(no)
        if not self.profile.active_labels:
            await self._button(no, click=True)
            await asyncio.sleep(0.05)
            await self._button(no)
            return tr("已在中控台讲解 {no} 号商品", no=no)
        if state["text"] in self.profile.active_labels:
            await self._toggle(no, to_active=False)
        await self._toggle(no, to_active=True)
        return tr("已在中控台讲解 {no} 号商品", no=no)

    async def stop_explain(self, no: int) -> str:
        """End the explain of product ``no`` (its button shows the idle label after)."""
        state = await self._button(no)
        if state["text"] in self.profile.active_labels:
            await self._toggle(no, to_active=False)
        return tr("已在中控台取消讲解 {no} 号商品", no=no)

    async def send_comment(self, text: str, pin: bool) -> str:
        """Post ``text`` through the comment box, ticking 置顶 when ``pin``; the box must empty after."""
        limit = int(self.profile.texts.get("comment_max_chars", 50))
        box = self.page.locator(self.sel["comment_input"]).first
        if await box.count() == 0:
            raise ConsoleActionError(tr("找不到评论输入框：平台页面可能已改版"))
        await box.fill(text[:limit], timeout=5000)
        if pin:
            await self._tick_pin()
        submit = self.page.locator(self.sel["comment_submit"]) if self.sel.get("comment_submit") else None
        if submit is None or not await submit.count():
            await box.press("Enter")
        else:
            classes = await submit.first.get_attribute("class") or ""
            marker = str(self.profile.texts.get("submit_disabled_class", "disabled"))
            if marker in classes or await submit.first.is_disabled():
                raise ConsoleActionError(tr("评论发送按钮不可用：可能被平台限制发言"))
            await submit.evaluate_all(_CLICK)
        for _ in range(int(SETTLE_S / 0.05)):
            if not await box.input_value():
                return tr("已在中控台发评论") if not pin else tr("已在中控台发评论并置顶")
            await asyncio.sleep(0.05)
        raise ConsoleActionError(tr("评论没有发出去：输入框里还有文字"))

    async def pin_comment(self, text: str) -> str:
        """上墙 the newest message in the page's comment list whose text is exactly ``text``: 新消息 first
        when it shows (the list then scrolls to the newest), the message clicked, then the 上墙 item of
        the menu that opens on it."""
        more = self.page.locator(self.sel["pin_new_messages"]) if self.sel.get("pin_new_messages") else None
        if more is not None and await more.count() and await more.first.is_visible():
            await more.first.dispatch_event("click")
            await asyncio.sleep(0.05)
        if not await self.page.locator(self.sel["pin_message"]).evaluate_all(_CLICK_NEWEST, text):
            raise ConsoleActionError(tr("中控台的评论列表里没有这条评论：{text}", text=text[:30]))
        label = str(self.profile.texts.get("pin_label", "上墙"))
        items = self.page.locator(self.sel["pin_menu_item"])
        for _ in range(int(SETTLE_S / 0.05)):
            if await items.evaluate_all(_CLICK_LABELLED, label):
                return tr("已在中控台上墙：{text}", text=text[:30])
            await asyncio.sleep(0.05)
        raise ConsoleActionError(tr("点评论后找不到“{label}”：平台页面可能已改版", label=label))

    async def close_modals(self) -> list[str]:
        """Close every modal the profile knows that is open (AFK protection, 直播总结); returns their names."""
        closed = []
        for name, selector in self.profile.modals.items():
            modal = self.page.locator(selector)
            if await modal.count() and await modal.evaluate_all(_CLICK):
                closed.append(name)
        return closed

    async def escape_overlays(self) -> bool:
        """Press Escape when one of the profile's guide overlays (淘宝's driver.js tour) covers the page;
        True when one did (the watchdog presses again next round until it is gone)."""
        for selector in self.profile.escape_overlays:
            if await self.page.locator(selector).count():
                await self.page.keyboard.press("Escape")
                return True
        return False

    async def products(self) -> list[dict[str, Any]]:
        """Every row of the goods list (序号, name, price and stock as shown), scrolling through it."""
        page = await self.goods_page()
        args = [self.sel["goods_no"], self.sel.get("goods_name", ""), self.sel.get("goods_price", ""),
                self.sel.get("goods_stock", "")]
        rows: dict[int, dict[str, Any]] = {}
        while await self._scroll(-100):
            pass
        for _ in range(MAX_SCROLL_ROUNDS * 5):
            for row in await page.locator(self.sel["goods_row"]).evaluate_all(_ROWS, args):
                if isinstance(row.get("no"), int) and row["no"] > 0:
                    rows.setdefault(row["no"], row)
            if not await self._scroll(1):
                break
        return [rows[no] for no in sorted(rows)]

    async def check(self) -> dict[str, int]:
        """How many elements each of the profile's selectors finds on the page now (``console-check``);
        the goods selectors are counted on the products tab when the profile has one, and an account
        name read on an account page is left out."""
        goods = await self.goods_page()
        found = {}
        for name, selector in {**self.sel, **{f"modal:{k}": v for k, v in self.profile.modals.items()}}.items():
            if name == "account_name" and self.account_url:
                continue  # on another page: the status line above shows what it read
            if name in SHOWN_WHEN_ACTING:
                continue
            found[name] = await (goods if name.startswith("goods_") or name == "explain_button"
                                 else self.page).locator(selector).count()
        return found

    async def _toggle(self, no: int, *, to_active: bool) -> None:
        want = self.profile.active_labels if to_active else (self.profile.explain_label,)
        confirm = self.page.locator(self.sel["explain_confirm"]) if to_active and self.sel.get("explain_confirm") \
            else None
        await self._button(no, click=True)
        for step in range(int(SETTLE_S / 0.05)):
            await asyncio.sleep(0.05)
            if confirm is not None and step * 0.05 < CONFIRM_WAIT_S and not await self.close_modals() \
                    and await confirm.evaluate_all(_CLICK_SHOWN):  # the known modals first: never confirm those
                log.info("console %s: confirmed the switch to product %d", self.profile.platform, no)
                confirm = None  # once: the label is awaited from here on
                continue
            state = await self._button(no)
            if state["text"] in want:
                return
        raise ConsoleActionError(tr("{no} 号商品的按钮点击后没有变成“{label}”：平台页面可能已改版",
                              no=no, label=want[0]))

    async def _button(self, no: int, *, click: bool = False) -> dict[str, Any]:
        """The state of row ``no``'s explain button, scrolling the list to the row; clicks it if asked
        (and it is not disabled). ConsoleActionError when there is no such row or button."""
        rows = (await self.goods_page()).locator(self.sel["goods_row"])
        labels = [self.profile.explain_label, *self.profile.active_labels]
        args = [self.sel["goods_no"], self.sel["explain_button"], labels, no, click]
        for _ in range(MAX_SCROLL_ROUNDS):
            state = await rows.evaluate_all(_FIND_BUTTON, args)
            if state["row"]:
                return self._checked(no, state)
            numbers = [n for n in state["numbers"] if isinstance(n, int)]
            if not numbers:
                raise ConsoleActionError(tr("找不到商品列表：平台页面可能已改版"))
            ascending = numbers[0] <= numbers[-1]  # 视频号 may list its goods newest first
            later = no > max(numbers) if ascending else no < min(numbers)
            if not await self._scroll(1 if later else -1):
                break
        raise ConsoleActionError(tr("中控台的商品列表里没有 {no} 号商品", no=no))

    def _checked(self, no: int, state: dict[str, Any]) -> dict[str, Any]:
        text = state.get("text")
        if text is None:
            raise ConsoleActionError(tr("找不到 {no} 号商品的讲解按钮：平台页面可能已改版", no=no))
        if text not in (self.profile.explain_label, *self.profile.active_labels):
            raise ConsoleActionError(tr("{no} 号商品的按钮显示“{text}”，不是讲解按钮：平台页面可能已改版",
                                  no=no, text=text[:20]))
        if state.get("disabled"):
            raise ConsoleActionError(tr("{no} 号商品的讲解按钮不可点击", no=no))
        return state

    async def _scroll(self, direction: int) -> bool:
        """Scroll the goods list one step; False when it did not move (or the list does not scroll: a
        profile without ``goods_container`` has every row on the page)."""
        container = self.sel.get("goods_container", "")
        if not container:
            return False
        moved = await (await self.goods_page()).locator(container).evaluate_all(_SCROLL, direction)
        if moved is None:
            raise ConsoleActionError(tr("找不到商品列表：平台页面可能已改版"))
        if abs(moved) <= 10:
            return False
        await asyncio.sleep(0.05)  # the page re-renders its visible rows on the scroll event
        return True

    async def _tick_pin(self) -> None:
        pin = self.page.locator(self.sel["comment_pin"]) if self.sel.get("comment_pin") else None
        checked = await pin.evaluate_all(_PIN_STATE) if pin is not None else None
        if checked is None:
            raise ConsoleActionError(tr("找不到评论的置顶选项：平台页面可能已改版"))
        if pin is not None and not checked:
            await pin.evaluate_all(_CLICK)
