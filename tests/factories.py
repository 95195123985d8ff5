"""Small factory functions for tests: sensible defaults, every field overridable."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from economy.models import Item, Market, MarketStock
from npcs.models import Npc
from world.models import Faction, Region, Settlement, World

_seq = itertools.count(1)


def make_world(**kw) -> World:
    n = next(_seq)
    kw.setdefault("name", f"World {n}")
    kw.setdefault("slug", f"world-{n}")
    return World.objects.create(**kw)


def make_faction(*, world: World, **kw) -> Faction:
    n = next(_seq)
    kw.setdefault("source_id", n)
    kw.setdefault("name", f"Faction {n}")
    return Faction.objects.create(world=world, **kw)


def make_region(*, world: World, faction: Faction | None = None, **kw) -> Region:
    n = next(_seq)
    faction = faction or make_faction(world=world)
    kw.setdefault("source_id", n)
    kw.setdefault("name", f"Region {n}")
    kw.setdefault("kind", Region.Kind.PROVINCE)
    return Region.objects.create(world=world, faction=faction, **kw)


def make_settlement(*, region: Region, **kw) -> Settlement:
    n = next(_seq)
    kw.setdefault("source_id", n)
    kw.setdefault("name", f"Town {n}")
    kw.setdefault("x", float(n))
    kw.setdefault("y", float(n))
    kw.setdefault("population", 1000)
    return Settlement.objects.create(world=region.world, region=region, faction=region.faction, **kw)


def make_npc(*, settlement: Settlement, **kw) -> Npc:
    n = next(_seq)
    kw.setdefault("name", f"Npc {n}")
    kw.setdefault("age", 30)
    kw.setdefault("profession", "farmer")
    return Npc.objects.create(world=settlement.world, settlement=settlement, region=settlement.region, **kw)


def make_item(**kw) -> Item:
    n = next(_seq)
    kw.setdefault("code", f"item-{n}")
    kw.setdefault("name", f"Item {n}")
    kw.setdefault("base_price", 10)
    kw.setdefault("source", Item.Source.GMCONSOLE)
    return Item.objects.get_or_create(code=kw["code"], defaults=kw)[0]


def make_market(
    *, settlement: Settlement, cash: int = 10_000, stocks: dict[Item, tuple[int, int]] | None = None
):
    market = Market.objects.create(
        world=settlement.world, settlement=settlement, region=settlement.region, cash=cash
    )
    for item, (quantity, price) in (stocks or {}).items():
        MarketStock.objects.create(market=market, item=item, quantity=quantity, price=price, prev_price=price)
    return market


def make_user(*, username: str | None = None, is_staff: bool = False, password: str = "pw-for-tests-123"):
    username = username or f"user{next(_seq)}"
    return get_user_model().objects.create_user(username=username, password=password, is_staff=is_staff)
