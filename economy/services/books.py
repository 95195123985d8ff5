"""Load markets (with their settlement's treasury) into `economy.sim.MarketBook`s and write them back.

Both the region shards of the tick and the per-NPC tasks go through here, so the batch path
and the targeted path share one way of reading and writing the economy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from economy.models import Market, MarketStock
from economy.sim import MarketBook, Stock
from gmconsole.bulk_update import bulk_update_values
from world.models import Settlement

STOCK_WRITE_FIELDS = ["quantity", "price", "prev_price", "demand", "supply"]


@dataclass
class LoadedBooks:
    """Books keyed by settlement id, plus the row ids needed to write them back."""

    books: dict[int, MarketBook] = field(default_factory=dict)
    market_ids: dict[int, int] = field(default_factory=dict)  # settlement id -> market id
    stock_ids: dict[tuple[int, str], int] = field(default_factory=dict)  # (settlement id, code) -> stock id
    treasury_only: dict[int, int] = field(default_factory=dict)  # settlements without a market


def books_load(
    *, region_id: int | None = None, settlement_ids: list[int] | None = None, lock: bool = False
) -> LoadedBooks:
    """Read markets, stocks and treasuries of a region or of some settlements (3 queries)."""
    where = Q(region_id=region_id) if region_id is not None else Q(id__in=settlement_ids or [])
    settlements = Settlement.objects.filter(where)
    markets = Market.objects.filter(settlement__in=settlements)
    if lock:
        # Lock in primary-key order: settlements, then markets, then stocks.
        settlements = settlements.select_for_update().order_by("id")
        markets = markets.select_for_update().order_by("id")
    treasury = dict(settlements.values_list("id", "treasury"))
    loaded = LoadedBooks()
    for market_id, settlement_id, cash in markets.values_list("id", "settlement_id", "cash"):
        loaded.books[settlement_id] = MarketBook(cash=cash, treasury=treasury.get(settlement_id, 0))
        loaded.market_ids[settlement_id] = market_id
    loaded.treasury_only = {sid: t for sid, t in treasury.items() if sid not in loaded.books}
    by_market = {mid: sid for sid, mid in loaded.market_ids.items()}
    stocks = MarketStock.objects.filter(market_id__in=by_market)
    if lock:
        # Only the stock rows: without `of`, PostgreSQL would also lock the joined items, which
        # every market shares, and two regions locking them in different orders deadlock.
        stocks = stocks.select_for_update(of=("self",)).order_by("id")
    for stock_id, market_id, code, base, quantity, price, prev, target, demand, supply in stocks.values_list(
        "id",
        "market_id",
        "item__code",
        "item__base_price",
        "quantity",
        "price",
        "prev_price",
        "target",
        "demand",
        "supply",
    ):
        settlement_id = by_market[market_id]
        loaded.books[settlement_id].stocks[code] = Stock(
            quantity=quantity,
            price=price,
            base_price=base,
            target=target,
            prev_price=prev,
            demand=demand,
            supply=supply,
        )
        loaded.stock_ids[(settlement_id, code)] = stock_id
    return loaded


def books_save(loaded: LoadedBooks) -> None:
    """Write stocks, market cash and treasuries back in bulk (one UPDATE per table and batch)."""
    stocks = []
    for (settlement_id, code), stock_id in loaded.stock_ids.items():
        s = loaded.books[settlement_id].stocks[code]
        stocks.append((stock_id, s.quantity, s.price, s.prev_price, s.demand, s.supply))
    bulk_update_values(MarketStock, STOCK_WRITE_FIELDS, stocks)
    bulk_update_values(
        Market, ["cash"], [(mid, loaded.books[sid].cash) for sid, mid in loaded.market_ids.items()]
    )
    bulk_update_values(Settlement, ["treasury"], [(sid, book.treasury) for sid, book in loaded.books.items()])
