"""Reads of the world: which world the console shows, its ticks, settlements and chronicle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from world.models import ChronicleEntry, Faction, Region, Route, Settlement, ShardRun, TickRun, World


def worlds_all() -> QuerySet[World]:
    return World.objects.order_by("name", "id")


def world_pick(*, world_id: int | None = None) -> World | None:
    """The world with this id, or the first world when the id is absent or unknown."""
    worlds = worlds_all()
    if world_id is not None:
        world = worlds.filter(pk=world_id).first()
        if world is not None:
            return world
    return worlds.first()


# --- Ticks -----------------------------------------------------------------


def tick_run_latest(*, world: World) -> TickRun | None:
    return TickRun.objects.filter(world=world).order_by("-tick").first()


def tick_run_active(*, world: World) -> TickRun | None:
    """The tick running now, ignoring one so old that the engine treats it as dead.

    Its `shards_done` is counted live from the shard markers (the run row itself is only
    written when the tick finishes).
    """
    stale_after = timedelta(seconds=settings.GMCONSOLE_TICK_STALE_SECONDS)
    run = (
        TickRun.objects.filter(
            world=world, status=TickRun.Status.RUNNING, started_at__gte=timezone.now() - stale_after
        )
        .order_by("-tick")
        .first()
    )
    if run is not None:
        run.shards_done = ShardRun.objects.filter(world=world, tick=run.tick).count()
    return run


def tick_runs_recent(*, world: World, limit: int = 8) -> QuerySet[TickRun]:
    return TickRun.objects.filter(world=world).order_by("-tick")[:limit]


# --- Chronicle -------------------------------------------------------------


def chronicle_recent(*, world: World, limit: int = 10) -> QuerySet[ChronicleEntry]:
    return (
        ChronicleEntry.objects.filter(world=world)
        .select_related("settlement", "region")
        .order_by("-tick", "-id")[:limit]
    )


def chronicle_for_settlement(*, settlement: Settlement, limit: int = 20) -> QuerySet[ChronicleEntry]:
    return (
        ChronicleEntry.objects.filter(settlement=settlement)
        .select_related("region")
        .order_by("-tick", "-id")[:limit]
    )


# --- Settlements -----------------------------------------------------------


def _with_living_npc_count(qs: QuerySet[Settlement]) -> QuerySet[Settlement]:
    return qs.annotate(living_npcs=Count("npcs", filter=Q(npcs__is_alive=True)))


def settlements_search(
    *, world: World, q: str = "", region_id: int | None = None, faction_id: int | None = None
) -> QuerySet[Settlement]:
    """Settlements of a world, optionally by name fragment, region and faction, largest first."""
    qs = Settlement.objects.filter(world=world).select_related("region", "faction")
    if q:
        qs = qs.filter(name__icontains=q)
    if region_id is not None:
        qs = qs.filter(region_id=region_id)
    if faction_id is not None:
        qs = qs.filter(faction_id=faction_id)
    return _with_living_npc_count(qs).order_by("-population", "name")


def settlement_detail(*, world: World | None = None, settlement_id: int) -> Settlement:
    """One settlement with its region, faction and world; raises Settlement.DoesNotExist."""
    qs = Settlement.objects.select_related("world", "region", "faction")
    if world is not None:
        qs = qs.filter(world=world)
    return _with_living_npc_count(qs).get(pk=settlement_id)


def settlement_count(*, world: World) -> int:
    return Settlement.objects.filter(world=world).count()


def regions_for_world(*, world: World) -> QuerySet[Region]:
    return Region.objects.filter(world=world).order_by("name")


def factions_for_world(*, world: World) -> QuerySet[Faction]:
    return Faction.objects.filter(world=world).order_by("name")


@dataclass(frozen=True)
class Neighbour:
    settlement: Settlement
    kind: str
    distance_km: float


def settlement_neighbours(*, settlement: Settlement) -> list[Neighbour]:
    """Settlements one route away, nearest first (routes are stored once, with a < b)."""
    routes = (
        Route.objects.filter(Q(a=settlement) | Q(b=settlement))
        .select_related("a", "b", "a__faction", "b__faction")
        .order_by("distance_km")
    )
    return [
        Neighbour(
            settlement=route.b if route.a_id == settlement.pk else route.a,
            kind=route.kind,
            distance_km=route.distance_km,
        )
        for route in routes
    ]
