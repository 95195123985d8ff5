"""Helpers for quest generation tests: routes for the small world, hooks from a real scan."""

from __future__ import annotations

from quests.models import QuestHook
from quests.services import hooks_scan
from tests.quests.conftest import set_stock
from world.models import Route, Settlement, World


def towns(world: World) -> list[Settlement]:
    return list(Settlement.objects.filter(world=world).order_by("id"))


def link_towns(world: World) -> list[Route]:
    """A chain of roads through the small world's towns, in id order."""
    chain = towns(world)
    return [
        Route.objects.create(world=world, a=a, b=b, distance_km=12.5)
        for a, b in zip(chain, chain[1:], strict=False)
    ]


def bread_shortage_hook(world: World) -> QuestHook:
    """A real scan's hook: bread ran out in the first town (its neighbours have plenty)."""
    link_towns(world)
    set_stock(towns(world)[0], "bread", quantity=0)
    hooks_scan(world=world)
    return QuestHook.objects.get(world=world, kind=QuestHook.Kind.SHORTAGE, item__code="bread")
