"""Reads of the economy: market stocks and world price trends."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Case, IntegerField, QuerySet, Value, When

from economy.goods import MARKET_GOODS
from economy.models import Item, Market, MarketStock, PricePoint
from world.models import Settlement, World

# How far back the console compares prices, in ticks (one tick = one game hour by default).
TREND_WINDOW_TICKS = 24


def _goods_order(prefix: str = "") -> Case:
    """The display order of economy.goods.MARKET_GOODS; other items after them."""
    return Case(
        *(When(**{f"{prefix}code": code}, then=Value(i)) for i, code in enumerate(MARKET_GOODS)),
        default=Value(len(MARKET_GOODS)),
        output_field=IntegerField(),
    )


def market_for_settlement(*, settlement: Settlement) -> Market | None:
    return Market.objects.filter(settlement=settlement).first()


def market_stocks_for_settlement(*, settlement: Settlement) -> QuerySet[MarketStock]:
    return (
        MarketStock.objects.filter(market__settlement=settlement)
        .select_related("item")
        .annotate(goods_order=_goods_order("item__"))
        .order_by("goods_order", "item__name")
    )


@dataclass(frozen=True)
class PriceTrend:
    """An item's world-average price now and `window` ticks ago, with the points between."""

    item: Item
    now: float | None
    then: float | None = None
    then_tick: int | None = None
    history: list[tuple[int, float]] = field(default_factory=list)  # (tick, price), oldest first

    @property
    def change(self) -> float:
        if self.now is None or self.then is None:
            return 0.0
        return self.now - self.then

    @property
    def change_pct(self) -> float | None:
        if self.now is None or not self.then:
            return None
        return 100.0 * (self.now - self.then) / self.then

    @property
    def direction(self) -> str:
        """'up', 'down' or 'flat' (a move of less than 1 % counts as flat)."""
        pct = self.change_pct
        if pct is None or abs(pct) < 1.0:
            return "flat"
        return "up" if pct > 0 else "down"


def price_trends(
    *, world: World, codes: tuple[str, ...] = MARKET_GOODS, window: int = TREND_WINDOW_TICKS
) -> list[PriceTrend]:
    """World-average prices of `codes` from PricePoint over the last `window` ticks.

    Items with no price point yet (a world that never ticked) fall back to the live average
    of the market stocks, so the dashboard still shows a price, without a trend.
    Three queries at most, whatever the number of items.
    """
    items = {item.code: item for item in Item.objects.filter(code__in=codes)}
    since = max(0, world.current_tick - window)
    history: dict[int, list[tuple[int, float]]] = defaultdict(list)
    points = (
        PricePoint.objects.filter(world=world, item__in=items.values(), tick__gte=since)
        .order_by("item_id", "tick")
        .values_list("item_id", "tick", "price")
    )
    for item_id, tick, price in points:
        history[item_id].append((tick, price))

    missing = [item.pk for item in items.values() if not history[item.pk]]
    live: dict[int, float] = {}
    if missing:
        live = dict(
            MarketStock.objects.filter(market__world=world, item_id__in=missing)
            .order_by()
            .values("item_id")
            .annotate(avg=Avg("price"))
            .values_list("item_id", "avg")
        )

    trends = []
    for code in codes:
        item = items.get(code)
        if item is None:
            continue
        series = history[item.pk]
        if series:
            first_tick, first_price = series[0]
            trends.append(
                PriceTrend(
                    item=item,
                    now=series[-1][1],
                    then=first_price if len(series) > 1 else None,
                    then_tick=first_tick if len(series) > 1 else None,
                    history=series,
                )
            )
        else:
            trends.append(PriceTrend(item=item, now=live.get(item.pk)))
    return trends
