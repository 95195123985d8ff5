"""Reads of rumours: what an NPC has heard, where a rumour has reached, how it spread over time."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, Max, Min, QuerySet

from npcs.models import Npc
from world.models import Rumour, RumourHearing, World


def rumours_of_world(*, world: World, status: str | None = None) -> QuerySet[Rumour]:
    """A world's rumours, newest first, with their origin for listing."""
    rumours = Rumour.objects.filter(world=world).select_related("origin_settlement", "source_npc", "event")
    if status:
        rumours = rumours.filter(status=status)
    return rumours.order_by("-started_tick", "-id")


def npc_rumours_heard(*, npc: Npc, limit: int = 50) -> QuerySet[RumourHearing]:
    """The versions `npc` holds, latest first, with who told it."""
    return (
        RumourHearing.objects.filter(npc=npc)
        .select_related("heard_from")
        .order_by("-heard_tick", "-id")[:limit]
    )


@dataclass(frozen=True)
class SettlementSpread:
    settlement_id: int
    name: str
    x: float
    y: float
    heard: int  # NPCs of the settlement who heard it there
    first_tick: int
    last_tick: int
    belief: float  # average belief of those NPCs
    hops: int  # fewest mouths between the source and someone there


def rumour_spread_by_settlement(*, rumour: Rumour) -> list[SettlementSpread]:
    """Where the rumour has been heard (for the map): one row per settlement, in order of arrival."""
    rows = (
        RumourHearing.objects.filter(rumour=rumour)
        .values("settlement_id", "settlement__name", "settlement__x", "settlement__y")
        .annotate(
            heard=Count("id"),
            first_tick=Min("heard_tick"),
            last_tick=Max("heard_tick"),
            belief=Avg("belief"),
            hops=Min("hops"),
        )
        .order_by("first_tick", "settlement__name")
    )
    return [
        SettlementSpread(
            settlement_id=r["settlement_id"],
            name=r["settlement__name"],
            x=r["settlement__x"],
            y=r["settlement__y"],
            heard=r["heard"],
            first_tick=r["first_tick"],
            last_tick=r["last_tick"],
            belief=round(r["belief"], 3),
            hops=r["hops"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class CurvePoint:
    tick: int
    heard: int
    spreaders: int
    settlements: int


def rumour_curve(*, rumour: Rumour) -> list[CurvePoint]:
    """How many had heard it, were still telling it, and in how many settlements, tick by tick."""
    return [CurvePoint(*point) for point in rumour.curve]
