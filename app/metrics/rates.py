"""Rates kept as numerator and denominator; undefined (None, shown "—") when the denominator is 0."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    """A ratio kept as numerator and denominator. ``value`` is None when the denominator is 0."""

    num: float
    den: float
    scale: float = 1.0  # GPM multiplies by 1000

    @property
    def value(self) -> float | None:
        return None if not self.den else self.num * self.scale / self.den

    def percent(self, digits: int = 1) -> str:
        """``"12.5%"``, or ``"—"`` when undefined."""
        v = self.value
        return "—" if v is None else f"{v * 100:.{digits}f}%"


class SessionRates:
    """The session-level rates of docs/metrics.md, each one count ÷ another (numerator and denominator
    kept). Shared by the live ``Snapshot`` and the review's ``Summary``, so a rate means the
    same on the dashboard, in the log and in the report."""

    __slots__ = ()
    follows: int
    interacting: int
    viewers_uv: int
    buyers: int
    clicked_buyers: int
    clickers: int
    orders: int
    gmv_fen: int

    @property
    def follow_rate(self) -> Rate:
        return Rate(self.follows, self.viewers_uv)

    @property
    def interaction_rate(self) -> Rate:
        return Rate(self.interacting, self.viewers_uv)

    @property
    def watch_to_buy(self) -> Rate:
        return Rate(self.buyers, self.viewers_uv)

    @property
    def click_to_buy(self) -> Rate:
        return Rate(self.clicked_buyers, self.clickers)

    @property
    def uv_value_fen(self) -> Rate:
        """GMV per viewer of the audience (``viewers_uv``, app.metrics.kinds.VIEWER_KINDS)."""
        return Rate(self.gmv_fen, self.viewers_uv)

    @property
    def gpm_fen(self) -> Rate:
        """GMV per 1000 views, a view being one viewer of the same audience as UV value (``viewers_uv``:
        each person seen in any viewer event once, however often they entered), docs/metrics.md."""
        return Rate(self.gmv_fen, self.viewers_uv, 1000.0)

    @property
    def aov_fen(self) -> Rate:
        return Rate(self.gmv_fen, self.orders)
