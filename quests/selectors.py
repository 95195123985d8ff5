"""Reads for quests: the world as the hook scan and the validator see it, in a few bulk queries."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Avg, Count, Q, QuerySet

from economy.goods import RECIPES
from economy.models import Item, MarketStock
from npcs.models import Npc
from quests.hooks import (
    CHRONICLE_KINDS,
    CHRONICLE_WINDOW_TICKS,
    ENEMY,
    HUNGRY_BELOW,
    UNSAFE_BELOW,
    ChronicleInfo,
    FactionInfo,
    GoodInfo,
    NeedsInfo,
    NpcInfo,
    RouteInfo,
    SettlementInfo,
    WorldSnapshot,
    enemy_pair,
)
from quests.models import Quest, QuestHook
from quests.validation import NpcFact, WorldFacts
from world.events.selectors import routes_closed
from world.models import ChronicleEntry, Faction, FactionRelation, Route, Settlement, World


def settlements_info(*, world: World) -> dict[int, SettlementInfo]:
    rows = Settlement.objects.filter(world=world).values_list(
        "id", "name", "region_id", "faction_id", "population", "is_capital"
    )
    return {row[0]: SettlementInfo(*row) for row in rows}


def goods_info(*, world: World) -> list[GoodInfo]:
    """Every good of every market of the world: stock vs target, price vs base."""
    rows = (
        MarketStock.objects.filter(market__world=world)
        .order_by("market__settlement_id", "item_id")
        .values_list(
            "market__settlement_id",
            "item_id",
            "item__code",
            "item__name",
            "quantity",
            "target",
            "price",
            "item__base_price",
            "demand",
            "supply",
        )
    )
    return [GoodInfo(*row) for row in rows]


def needs_info(*, world: World) -> dict[int, NeedsInfo]:
    """Per settlement: living NPCs, how many go hungry or feel unsafe, and the averages (one query)."""
    rows = (
        Npc.objects.filter(world=world, is_alive=True)
        .values("settlement_id")
        .order_by("settlement_id")
        .annotate(
            npcs=Count("id"),
            hungry=Count("id", filter=Q(hunger__lt=HUNGRY_BELOW)),
            unsafe=Count("id", filter=Q(safety__lt=UNSAFE_BELOW)),
            average_hunger=Avg("hunger"),
            average_safety=Avg("safety"),
        )
    )
    return {
        r["settlement_id"]: NeedsInfo(
            settlement_id=r["settlement_id"],
            npcs=r["npcs"],
            hungry=r["hungry"],
            unsafe=r["unsafe"],
            average_hunger=round(r["average_hunger"]),
            average_safety=round(r["average_safety"]),
        )
        for r in rows
    }


def npcs_info(*, world: World) -> list[NpcInfo]:
    """The living people of the world, in the few columns casting needs."""
    rows = (
        Npc.objects.filter(world=world, is_alive=True)
        .order_by("id")
        .values_list("id", "settlement_id", "profession", "purse", "hunger", "safety")
    )
    return [NpcInfo(*row) for row in rows]


def routes_info(*, world: World) -> list[RouteInfo]:
    rows = (
        Route.objects.filter(world=world)
        .order_by("id")
        .values_list("id", "a_id", "b_id", "kind", "distance_km")
    )
    return [RouteInfo(*row) for row in rows]


def chronicle_info(*, world: World, tick: int) -> list[ChronicleInfo]:
    rows = (
        ChronicleEntry.objects.filter(
            world=world, kind__in=CHRONICLE_KINDS, tick__gte=max(0, tick - CHRONICLE_WINDOW_TICKS)
        )
        .order_by("tick", "id")
        .values_list("id", "tick", "kind", "text", "settlement_id")
    )
    return [ChronicleInfo(*row) for row in rows]


def factions_info(*, world: World) -> tuple[dict[int, FactionInfo], set[tuple[int, int]]]:
    """Factions, and the pairs at war (stance Enemy in either direction)."""
    factions = {
        row[0]: FactionInfo(*row)
        for row in Faction.objects.filter(world=world).values_list("id", "name", "is_neutral")
    }
    enemies = {
        enemy_pair(a, b)
        for a, b in FactionRelation.objects.filter(world=world, stance=ENEMY).values_list(
            "faction_id", "other_id"
        )
    }
    return factions, enemies


def hooks_snapshot(*, world: World) -> WorldSnapshot:
    """Everything a hook scan reads, in nine queries whatever the size of the world."""
    tick = World.objects.filter(pk=world.pk).values_list("current_tick", flat=True).get()
    factions, enemies = factions_info(world=world)
    return WorldSnapshot(
        tick=tick,
        settlements=settlements_info(world=world),
        goods=goods_info(world=world),
        needs=needs_info(world=world),
        npcs=npcs_info(world=world),
        routes=routes_info(world=world),
        chronicle=chronicle_info(world=world, tick=tick),
        factions=factions,
        enemies=enemies,
    )


def world_facts(*, world: World) -> WorldFacts:
    """What the quest validator checks a draft against, in five queries."""
    settlement_ids = frozenset(Settlement.objects.filter(world=world).values_list("id", flat=True))
    npcs = {
        row[0]: NpcFact(*row)
        for row in Npc.objects.filter(world=world, is_alive=True).values_list(
            "id", "settlement_id", "purse", "profession"
        )
    }
    item_codes = frozenset(Item.objects.values_list("code", flat=True))
    stocked: dict[str, set[int]] = defaultdict(set)
    for code, settlement_id in MarketStock.objects.filter(market__world=world, quantity__gt=0).values_list(
        "item__code", "market__settlement_id"
    ):
        stocked[code].add(settlement_id)
    produced: dict[str, set[int]] = defaultdict(set)
    for npc in npcs.values():
        recipe = RECIPES.get(npc.profession)
        for code in recipe.outputs if recipe else ():
            produced[code].add(npc.settlement_id)
    adjacency: dict[int, set[int]] = defaultdict(set)
    routes = {}
    closed = routes_closed(world_id=world.pk)  # a front cuts the roads that cross it
    for route_id, a, b in Route.objects.filter(world=world).values_list("id", "a_id", "b_id"):
        routes[route_id] = (a, b)
        if route_id not in closed:
            adjacency[a].add(b)
            adjacency[b].add(a)
    return WorldFacts(
        settlement_ids=settlement_ids,
        npcs=npcs,
        item_codes=item_codes,
        stocked={code: frozenset(s) for code, s in stocked.items()},
        produced={code: frozenset(s) for code, s in produced.items()},
        adjacency={s: frozenset(n) for s, n in adjacency.items()},
        routes=routes,
    )


# --- Hooks and quests -----------------------------------------------------------------------


def hooks_open(*, world: World) -> QuerySet[QuestHook]:
    """Open hooks, most pressing first, with what a list shows."""
    return (
        QuestHook.objects.filter(world=world, status=QuestHook.Status.OPEN)
        .select_related("settlement", "item", "route", "giver")
        .order_by("-severity", "-last_seen_tick", "id")
    )


def quests_for_world(*, world: World, status: str | None = None) -> QuerySet[Quest]:
    qs = Quest.objects.filter(world=world).select_related("hook", "giver", "settlement")
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")
