"""Acting on a platform's live-control page (Playwright, async), by its profile's selectors.

Every action re-reads the page instead of keeping element handles: the goods list is virtualised (only
rows near the viewport exist, and a re-render replaces them), so a row is found by its 序号 each time,
scrolling the list towards it. A button is clicked with a dispatched ``click`` event (the platforms'
own pages misbehave with a real mouse click, and a dispatched one never scrolls). Before a click the
button's text must be the profile's idle or active label (讲解 / 取消讲解): anything else (更多, 下架) is
a changed page, and :class:`ConsoleActionError` says so in one line for the operator.
"""

from __future__ import annotations

import asyncio
from typing import Any

from app.connectors.console.profile import ConsoleProfile
from app.core.i18n import tr

MAX_SCROLL_ROUNDS = 40
SETTLE_S = 1.5  # how long a clicked button may take to show its new label

_FIND_BUTTON = """([rowSel, noSel, btnSel, label, no, click]) => {
  const rows = [...document.querySelectorAll(rowSel)];
  const numbers = rows.map(r => { const i = r.querySelector(noSel);
                                   return i ? Number(String(i.value).trim()) : null; });
  const at = numbers.indexOf(no);
  if (at < 0) return {row: false, numbers};
  const button = [...rows[at].querySelectorAll(btnSel)].find(b => b.textContent.includes(label));
  if (!button) return {row: true, text: null};
  const text = button.textContent.trim();
  const disabled = button.disabled || button.getAttribute('aria-disabled') === 'true';
  if (click && !disabled) button.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
  return {row: true, text, disabled};
}"""
_SCROLL = """([sel, direction]) => {
  const box = document.querySelector(sel);
  if (!box) return null;
  const before = box.scrollTop;
  box.scrollTop = before + direction * Math.max(40, box.clientHeight * 0.8);
  box.dispatchEvent(new Event('scroll'));
  return box.scrollTop - before;
}"""
_ROWS = """([rowSel, noSel, nameSel, priceSel, stockSel]) =>
  [...document.querySelectorAll(rowSel)].map(r => {
    const pick = s => { const e = s && r.querySelector(s); return e ? e.textContent.trim() : ''; };
    const i = r.querySelector(noSel);
    return {no: i ? Number(String(i.value).trim()) : null, name: pick(nameSel), price: pick(priceSel),
            stock: pick(stockSel)};
  })"""
_CLICK = "(sel) => { const e = document.querySelector(sel); if (!e) return false;" \
         " e.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true})); return true; }"
_PIN_STATE = "(sel) => { const l = document.querySelector(sel); if (!l) return null;" \
             " const box = l.querySelector('input') || l.control; return box ? !!box.checked : false; }"


class ConsoleActionError(Exception):
    """An action the page did not carry out; ``str()`` is the one line for the log and the UI."""


class PageDriver:
    """Acts on one open console ``page`` (a Playwright async Page) as ``profile`` describes it."""

    def __init__(self, page: Any, profile: ConsoleProfile) -> None:
        self.page = page
        self.profile = profile
        self.sel = profile.selectors

    async def explain(self, no: int) -> str:
        """Pop product ``no`` (its button shows the active label after); cancels and re-pops a product
        the page already explains. Returns what was done, for the ``actions`` row."""
        state = await self._button(no)
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
        submit = self.sel.get("comment_submit", "")
        found = bool(submit) and await self.page.locator(submit).count() > 0
        if not found:
            await box.press("Enter")
        else:
            classes = await self.page.locator(submit).first.get_attribute("class") or ""
            if str(self.profile.texts.get("submit_disabled_class", "disabled")) in classes:
                raise ConsoleActionError(tr("评论发送按钮不可用：可能被平台限制发言"))
            await self.page.evaluate(_CLICK, submit)
        for _ in range(int(SETTLE_S / 0.05)):
            if not await box.input_value():
                return tr("已在中控台发评论") if not pin else tr("已在中控台发评论并置顶")
            await asyncio.sleep(0.05)
        raise ConsoleActionError(tr("评论没有发出去：输入框里还有文字"))

    async def close_modals(self) -> list[str]:
        """Close every modal the profile knows that is open (AFK protection, 直播总结); returns their names."""
        closed = []
        for name, selector in self.profile.modals.items():
            if await self.page.locator(selector).count() > 0 and await self.page.evaluate(_CLICK, selector):
                closed.append(name)
        return closed

    async def products(self) -> list[dict[str, Any]]:
        """Every row of the goods list (序号, name, price and stock as shown), scrolling through it."""
        args = [self.sel["goods_row"], self.sel["goods_no"], self.sel.get("goods_name", ""),
                self.sel.get("goods_price", ""), self.sel.get("goods_stock", "")]
        rows: dict[int, dict[str, Any]] = {}
        while await self.page.evaluate(_SCROLL, [self.sel["goods_container"], -100]):
            pass
        for _ in range(MAX_SCROLL_ROUNDS * 5):
            for row in await self.page.evaluate(_ROWS, args):
                if isinstance(row.get("no"), int) and row["no"] > 0:
                    rows.setdefault(row["no"], row)
            if not await self._scroll(1):
                break
        return [rows[no] for no in sorted(rows)]

    async def check(self) -> dict[str, int]:
        """How many elements each of the profile's selectors finds on the page now (``console-check``)."""
        found = {}
        for name, selector in {**self.sel, **{f"modal:{k}": v for k, v in self.profile.modals.items()}}.items():
            found[name] = await self.page.locator(selector).count()
        return found

    async def _toggle(self, no: int, *, to_active: bool) -> None:
        want = self.profile.active_labels if to_active else (self.profile.explain_label,)
        await self._button(no, click=True)
        for _ in range(int(SETTLE_S / 0.05)):
            await asyncio.sleep(0.05)
            state = await self._button(no)
            if state["text"] in want:
                return
        raise ConsoleActionError(tr("{no} 号商品的按钮点击后没有变成“{label}”：平台页面可能已改版",
                              no=no, label=want[0]))

    async def _button(self, no: int, *, click: bool = False) -> dict[str, Any]:
        """The state of row ``no``'s explain button, scrolling the list to the row; clicks it if asked
        (and it is not disabled). ConsoleActionError when there is no such row or button."""
        args = [self.sel["goods_row"], self.sel["goods_no"], self.sel["explain_button"],
                self.profile.explain_label, no, click]
        for _ in range(MAX_SCROLL_ROUNDS):
            state = await self.page.evaluate(_FIND_BUTTON, args)
            if state["row"]:
                return self._checked(no, state)
            numbers = [n for n in state["numbers"] if isinstance(n, int)]
            if not numbers:
                raise ConsoleActionError(tr("找不到商品列表：平台页面可能已改版"))
            ascending = numbers[0] <= numbers[-1]
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
        moved = await self.page.evaluate(_SCROLL, [self.sel["goods_container"], direction])
        if moved is None:
            raise ConsoleActionError(tr("找不到商品列表：平台页面可能已改版"))
        if abs(moved) <= 10:
            return False
        await asyncio.sleep(0.05)  # the page re-renders its visible rows on the scroll event
        return True

    async def _tick_pin(self) -> None:
        pin = self.sel.get("comment_pin", "")
        checked = await self.page.evaluate(_PIN_STATE, pin) if pin else None
        if checked is None:
            raise ConsoleActionError(tr("找不到评论的置顶选项：平台页面可能已改版"))
        if not checked:
            await self.page.evaluate(_CLICK, pin)
