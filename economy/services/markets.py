"""Opening markets: one per settlement, stocked for its people."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q

from economy.goods import MARKET_GOODS
from economy.models import Item, Market, MarketStock
from economy.stocking import market_opening
from world.models import ChronicleEntry, Settlement, World

MARKETS_OPENED = "Markets opened in {count} settlements"


@transaction.atomic
def markets_open(*, world: World) -> int:
    """Opens a market in every settlement of `world` that has none; returns how many opened.

    Each market stocks every code of MARKET_GOODS that exists as an Item (run `import_items`
    first), sized by economy.stocking from the settlement's living NPCs.
    """
    # Lock the world row: two concurrent calls would otherwise both open the same markets.
    world = World.objects.select_for_update().get(pk=world.pk)
    settlements = list(
        Settlement.objects.filter(world=world, market__isnull=True)
        .annotate(npc_count=Count("npcs", filter=Q(npcs__is_alive=True)))
        .order_by("pk")
    )
    if not settlements:
        return 0
    items = Item.objects.in_bulk(list(MARKET_GOODS), field_name="code")
    codes = [code for code in MARKET_GOODS if code in items]
    openings = {s.pk: market_opening(npc_count=s.npc_count, codes=codes) for s in settlements}
    markets = Market.objects.bulk_create(
        [
            Market(world=world, settlement=s, region_id=s.region_id, cash=openings[s.pk].cash)
            for s in settlements
        ]
    )
    stocks = []
    for market in markets:
        for code, target in openings[market.settlement_id].targets.items():
            price = items[code].base_price
            stocks.append(
                MarketStock(
                    market=market,
                    item=items[code],
                    quantity=target,
                    target=target,
                    price=price,
                    prev_price=price,
                )
            )
    MarketStock.objects.bulk_create(stocks, batch_size=500)
    ChronicleEntry.objects.create(
        world=world,
        tick=world.current_tick,
        kind=ChronicleEntry.Kind.ECONOMY,
        text=MARKETS_OPENED.format(count=len(markets)),
        data={"markets": len(markets), "goods": codes},
    )
    return len(markets)


def markets_open_where_missing() -> dict[str, int]:
    """Opens markets in every world that has settlements but no market yet: {world slug: opened}."""
    worlds = World.objects.filter(settlements__isnull=False).exclude(markets__isnull=False).distinct()
    return {world.slug: markets_open(world=world) for world in worlds.order_by("pk")}
