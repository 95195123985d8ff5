"""Price updates outside the tick: one good at one market, or every market at once."""

from __future__ import annotations

from django.db import transaction

from economy.models import MarketStock
from economy.services.books import books_load, books_save
from economy.sim import next_price, update_prices
from world.models import Settlement

STOCK_NOT_FOUND = "Market {market_id} does not trade item {item_id}."


class StockNotFound(LookupError):
    pass


@transaction.atomic
def market_price_update(*, market_id: int, item_id: int) -> dict:
    """Move one price by last tick's demand and supply (the same rule the tick applies)."""
    stock = (
        MarketStock.objects.select_for_update(of=("self",))  # not the item every market shares
        .select_related("item")
        .filter(market_id=market_id, item_id=item_id)
        .first()
    )
    if stock is None:
        raise StockNotFound(STOCK_NOT_FOUND.format(market_id=market_id, item_id=item_id))
    stock.prev_price = stock.price
    stock.price = next_price(
        price=stock.price,
        base_price=stock.item.base_price,
        demand=stock.demand,
        supply=stock.supply,
        quantity=stock.quantity,
        target=stock.target,
    )
    stock.full_clean()
    stock.save(update_fields=["price", "prev_price"])
    return {
        "market": market_id,
        "item": stock.item.code,
        "price": stock.price,
        "prev_price": stock.prev_price,
    }


def economy_global_tick(*, world_id: int | None = None) -> dict:
    """Update every market's prices, one region at a time (each region in its own transaction)."""
    regions = Settlement.objects.filter(market__isnull=False)
    if world_id is not None:
        regions = regions.filter(world_id=world_id)
    updated = 0
    for region_id in sorted(set(regions.values_list("region_id", flat=True))):
        with transaction.atomic():
            loaded = books_load(region_id=region_id, lock=True)
            for book in loaded.books.values():
                update_prices(book)
                updated += len(book.stocks)
            books_save(loaded)
    return {"prices_updated": updated}
