"""A small living town for console tests: two settlements, a market, prices, a chronicle, a tick."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from economy.models import Item, MarketStock, PricePoint
from tests import factories as f
from world.models import ChronicleEntry, Route, Settlement, TickRun, World


@dataclass
class Town:
    world: World
    home: Settlement
    other: Settlement
    bread: Item
    iron: Item


@pytest.fixture
def staff_client(client):
    client.force_login(f.make_user(is_staff=True))
    return client


@pytest.fixture
def town(db) -> Town:
    # given a world at day 3, 14:00 (tick 62 with one hour per tick)
    world = f.make_world(name="Mones", era="Age of Ash", start_year=1203, current_tick=62, ticks_skipped=4)
    faction = f.make_faction(world=world, name="Kingdom of Orm", color="#aa3344")
    region = f.make_region(world=world, faction=faction, name="Orm Vale")
    home = f.make_settlement(region=region, name="Brindlemoor", population=4200, is_port=True, has_walls=True)
    other = f.make_settlement(region=region, name="Cask Hollow", population=800)
    a, b = sorted([home, other], key=lambda s: s.pk)
    Route.objects.create(world=world, a=a, b=b, kind=Route.Kind.ROAD, distance_km=37.4)

    bread = f.make_item(code="bread", name="Bread (loaf)", base_price=2, is_food=True)
    iron = f.make_item(code="iron", name="Iron (1 lb)", base_price=10)
    market = f.make_market(settlement=home, cash=5_000, stocks={bread: (40, 3), iron: (12, 11)})
    MarketStock.objects.filter(market=market, item=bread).update(prev_price=2, target=80, demand=25, supply=9)
    MarketStock.objects.filter(market=market, item=iron).update(prev_price=12, target=10)

    # bread got dearer over the last ticks: 2.0 -> 3.5 cp
    for tick, price in [(50, 2.0), (55, 2.5), (60, 3.0), (62, 3.5)]:
        PricePoint.objects.create(world=world, item=bread, tick=tick, price=price, quantity=40)
    for tick, price in [(50, 12.0), (62, 11.0)]:
        PricePoint.objects.create(world=world, item=iron, tick=tick, price=price, quantity=12)

    TickRun.objects.create(
        world=world,
        tick=62,
        status=TickRun.Status.DONE,
        trigger=TickRun.Trigger.SCHEDULE,
        shards_total=3,
        shards_done=3,
        npc_updates=118,
        duration_ms=2340,
    )
    ChronicleEntry.objects.create(
        world=world,
        tick=61,
        kind=ChronicleEntry.Kind.EVENT,
        settlement=home,
        text="A fire broke out in the tannery of Brindlemoor.",
    )
    ChronicleEntry.objects.create(
        world=world,
        tick=60,
        kind=ChronicleEntry.Kind.ECONOMY,
        settlement=other,
        text="Cask Hollow ran out of ale.",
    )
    return Town(world=world, home=home, other=other, bread=bread, iron=iron)
