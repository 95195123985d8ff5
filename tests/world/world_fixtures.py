"""A small hand-made world with a working food chain, for tick tests."""

from __future__ import annotations

from economy.goods import MARKET_GOODS, NOURISHMENT
from economy.models import Item, Market, MarketStock
from tests.factories import make_item, make_npc, make_region, make_settlement, make_world

BASE_PRICES = {
    "bread": 2,
    "wheat": 1,
    "flour": 2,
    "cheese": 10,
    "meat": 30,
    "fish": 3,
    "ale-mug": 4,
    "iron": 10,
    "hammer": 100,
}
PROFESSIONS = (
    ["farmer"] * 8
    + ["miller"] * 2
    + ["baker"] * 2
    + ["guard"] * 2
    + ["herder", "merchant", "innkeeper", "priest"]
)


def market_items() -> dict[str, Item]:
    return {
        code: make_item(
            code=code,
            name=code.title(),
            base_price=BASE_PRICES[code],
            is_food=code in NOURISHMENT,
            nourishment=NOURISHMENT.get(code, 0),
        )
        for code in MARKET_GOODS
    }


def small_world(*, regions: int = 2, towns_per_region: int = 2, with_markets: bool = True):
    world = make_world()
    items = market_items()
    for _ in range(regions):
        region = make_region(world=world)
        for _ in range(towns_per_region):
            town = make_settlement(region=region, population=2000, has_walls=True, treasury=1000)
            for i, profession in enumerate(PROFESSIONS):
                make_npc(settlement=town, profession=profession, purse=100, food=2, age=20 + i)
            if with_markets:
                market = Market.objects.create(world=world, settlement=town, region=region, cash=5000)
                MarketStock.objects.bulk_create(
                    MarketStock(
                        market=market,
                        item=item,
                        quantity=40,
                        price=item.base_price,
                        prev_price=item.base_price,
                        target=40,
                    )
                    for item in items.values()
                )
    return world
