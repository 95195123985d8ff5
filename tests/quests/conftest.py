"""Fixtures for quest tests: a small world with markets and people, and quests to escrow."""

from __future__ import annotations

import itertools

import pytest

from economy.models import MarketStock
from quests.models import Motivation, Quest, QuestHook
from tests.world.world_fixtures import small_world
from world.models import Settlement, World

_seq = itertools.count(1)


@pytest.fixture
def world(db) -> World:
    """Two regions of two towns, each with a stocked market and 20 NPCs, at tick 10."""
    world = small_world(regions=2, towns_per_region=2)
    World.objects.filter(pk=world.pk).update(current_tick=10)
    world.refresh_from_db()
    return world


def set_tick(world: World, tick: int) -> None:
    World.objects.filter(pk=world.pk).update(current_tick=tick)
    world.refresh_from_db()


def set_stock(settlement: Settlement, code: str, **values) -> None:
    MarketStock.objects.filter(market__settlement=settlement, item__code=code).update(**values)


def make_hook(*, world: World, **kw) -> QuestHook:
    n = next(_seq)
    kw.setdefault("kind", QuestHook.Kind.SHORTAGE)
    kw.setdefault("key", f"test:hook:{n}")
    kw.setdefault("motivation", Motivation.COMFORT)
    kw.setdefault("summary", f"Trouble {n}")
    kw.setdefault("detected_tick", world.current_tick)
    kw.setdefault("last_seen_tick", world.current_tick)
    return QuestHook.objects.create(world=world, **kw)


def make_quest(*, world: World, **kw) -> Quest:
    n = next(_seq)
    kw.setdefault("title", f"Quest {n}")
    kw.setdefault("motivation", Motivation.COMFORT)
    kw.setdefault("generation_key", f"test:{n}")
    kw.setdefault("status", Quest.Status.DRAFT)
    return Quest.objects.create(world=world, **kw)


# Playing quests: a player with a token in a small world, and the bread quest of the API tests
# (Brightwater's baker wants 3 bread from Millford, 12 km away by road).
from tests.api.conftest import fast_password_hashing, player  # noqa: E402, F401
from tests.api.test_quests_play import bread_quest  # noqa: E402, F401
