"""Opening markets: the stocking arithmetic (pure) and markets_open against the database."""

import pytest

from economy.goods import MARKET_GOODS
from economy.models import Market, MarketStock
from economy.services.markets import MARKETS_OPENED, markets_open
from economy.stocking import (
    CASH_PER_NPC,
    DAILY_USE_PER_100_NPCS,
    DAYS_OF_STOCK,
    MIN_CASH,
    MIN_TARGET,
    NEGATIVE_NPC_COUNT,
    market_opening,
    opening_cash,
    stock_target,
)
from tests.factories import make_item, make_npc, make_region, make_settlement, make_world
from world.models import ChronicleEntry

PRICES = {
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


# --- stocking (pure) ------------------------------------------------------------


def test_every_market_good_has_a_daily_use():
    assert set(DAILY_USE_PER_100_NPCS) == set(MARKET_GOODS)


def test_target_is_two_days_of_use_rounded_up():
    assert DAYS_OF_STOCK == 2
    assert stock_target(code="bread", npc_count=100) == 260
    assert stock_target(code="bread", npc_count=41) == 107  # 41 × 130 × 2 / 100 = 106.6
    assert stock_target(code="wheat", npc_count=200) == 600


def test_target_has_a_floor_for_small_villages():
    assert stock_target(code="hammer", npc_count=100) == MIN_TARGET  # 4 wanted
    assert stock_target(code="bread", npc_count=0) == MIN_TARGET


def test_an_unknown_good_gets_the_default_use():
    assert stock_target(code="salt", npc_count=1000) == 200


def test_cash_is_proportional_with_a_floor():
    assert opening_cash(npc_count=100) == 100 * CASH_PER_NPC == 5000
    assert opening_cash(npc_count=3) == MIN_CASH


def test_negative_npc_count_is_refused():
    with pytest.raises(ValueError, match=NEGATIVE_NPC_COUNT.format(npc_count=-1)):
        stock_target(code="bread", npc_count=-1)


def test_market_opening_combines_cash_and_targets():
    opening = market_opening(npc_count=50, codes=["bread", "hammer"])

    assert opening.cash == 2500
    assert opening.targets == {"bread": 130, "hammer": MIN_TARGET}


# --- markets_open ---------------------------------------------------------------


@pytest.fixture
def goods():
    return {code: make_item(code=code, base_price=price) for code, price in PRICES.items()}


@pytest.mark.django_db
def test_markets_open_stocks_each_settlement_for_its_people(goods):
    world = make_world(current_tick=7)
    region = make_region(world=world)
    town = make_settlement(region=region)
    village = make_settlement(region=region)
    for _ in range(60):
        make_npc(settlement=town)
    make_npc(settlement=town, is_alive=False)
    make_npc(settlement=village)

    opened = markets_open(world=world)

    assert opened == 2
    market = Market.objects.get(settlement=town)
    assert (market.world, market.region, market.cash) == (world, region, 60 * CASH_PER_NPC)
    stocks = {s.item.code: s for s in MarketStock.objects.filter(market=market).select_related("item")}
    assert set(stocks) == set(MARKET_GOODS)
    assert {code: s.quantity for code, s in stocks.items()} == {
        "bread": 156,
        "wheat": 180,
        "flour": 78,
        "cheese": 66,
        "meat": 48,
        "fish": 78,
        "ale-mug": 120,
        "iron": MIN_TARGET,
        "hammer": MIN_TARGET,
    }
    assert all(s.target == s.quantity for s in stocks.values())
    assert {code: (s.price, s.prev_price) for code, s in stocks.items()} == {
        code: (price, price) for code, price in PRICES.items()
    }
    small = Market.objects.get(settlement=village)
    assert small.cash == MIN_CASH
    assert MarketStock.objects.get(market=small, item=goods["bread"]).quantity == MIN_TARGET
    entry = ChronicleEntry.objects.get(world=world, kind=ChronicleEntry.Kind.ECONOMY)
    assert (entry.tick, entry.text) == (7, MARKETS_OPENED.format(count=2))


@pytest.mark.django_db
def test_markets_open_twice_opens_nothing_more(goods):
    world = make_world()
    region = make_region(world=world)
    make_settlement(region=region)
    markets_open(world=world)
    newcomer = make_settlement(region=region)

    assert markets_open(world=world) == 1
    assert markets_open(world=world) == 0
    assert Market.objects.filter(world=world).count() == 2
    assert MarketStock.objects.filter(market__settlement=newcomer).count() == len(MARKET_GOODS)
    assert MarketStock.objects.filter(market__world=world).count() == 2 * len(MARKET_GOODS)


@pytest.mark.django_db
def test_markets_open_skips_goods_without_an_item():
    make_item(code="bread", base_price=2)
    make_item(code="fish", base_price=3)
    world = make_world()
    town = make_settlement(region=make_region(world=world))

    markets_open(world=world)

    assert sorted(
        MarketStock.objects.filter(market__settlement=town).values_list("item__code", flat=True)
    ) == [
        "bread",
        "fish",
    ]


@pytest.mark.django_db
def test_markets_open_only_touches_its_world(goods):
    world = make_world()
    other = make_world()
    make_settlement(region=make_region(world=world))
    make_settlement(region=make_region(world=other))

    assert markets_open(world=world) == 1
    assert not Market.objects.filter(world=other).exists()


@pytest.mark.django_db
def test_markets_open_writes_in_bulk(goods, django_assert_max_num_queries):
    world = make_world()
    region = make_region(world=world)
    for _ in range(12):
        make_npc(settlement=make_settlement(region=region))

    with django_assert_max_num_queries(8):
        opened = markets_open(world=world)

    assert opened == 12
    assert MarketStock.objects.filter(market__world=world).count() == 12 * len(MARKET_GOODS)
