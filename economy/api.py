"""Player API: what a settlement's market sells, at what price, and which way prices move."""

from __future__ import annotations

from typing import Literal

from ninja import Router, Schema
from ninja.errors import HttpError

from economy.goods import MARKET_GOODS
from economy.models import Market, MarketStock
from world.api import SETTLEMENT_NOT_FOUND, Ref, player_world_ids
from world.models import Settlement

NO_MARKET = "This settlement has no market yet."

Trend = Literal["up", "down", "flat"]

router = Router(tags=["economy"])


def price_trend(*, price: int, prev_price: int) -> Trend:
    """Which way the last price update went."""
    if price > prev_price:
        return "up"
    if price < prev_price:
        return "down"
    return "flat"


class StockOut(Schema):
    code: str
    name: str
    unit: str
    price: int  # copper pieces
    prev_price: int
    trend: Trend
    quantity: int

    @staticmethod
    def resolve_code(stock: MarketStock) -> str:
        return stock.item.code

    @staticmethod
    def resolve_name(stock: MarketStock) -> str:
        return stock.item.name

    @staticmethod
    def resolve_unit(stock: MarketStock) -> str:
        return stock.item.unit

    @staticmethod
    def resolve_trend(stock: MarketStock) -> Trend:
        return price_trend(price=stock.price, prev_price=stock.prev_price)


class MarketOut(Schema):
    settlement: Ref
    tick: int
    items: list[StockOut]


def _display_order(stock: MarketStock) -> tuple[int, str]:
    code = stock.item.code
    return (MARKET_GOODS.index(code) if code in MARKET_GOODS else len(MARKET_GOODS), stock.item.name)


@router.get("/settlements/{settlement_id}/market", response=MarketOut, url_name="settlement-market")
def settlement_market(request, settlement_id: int):
    """Prices in copper pieces; `trend` compares the price with the one before the last update."""
    settlement = (
        Settlement.objects.filter(pk=settlement_id, world_id__in=player_world_ids(request.auth))
        .select_related("world")
        .first()
    )
    if settlement is None:
        raise HttpError(404, SETTLEMENT_NOT_FOUND)
    market = Market.objects.filter(settlement=settlement).first()
    if market is None:
        raise HttpError(404, NO_MARKET)
    stocks = MarketStock.objects.filter(market=market).select_related("item")
    return {
        "settlement": settlement,
        "tick": settlement.world.current_tick,
        "items": sorted(stocks, key=_display_order),
    }
