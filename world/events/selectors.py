"""Reads about events in force that other systems must respect (travel, rumours, quest routes)."""

from __future__ import annotations

from django.db.models import F, Q

from world.models import Route, WorldEvent

IN_FORCE = (WorldEvent.Status.APPLYING, WorldEvent.Status.ACTIVE, WorldEvent.Status.PARTIAL)


def wars_in_force(*, world_id: int) -> list[tuple[int, int]]:
    """(aggressor, defender) faction ids of the wars being fought now."""
    return list(
        WorldEvent.objects.filter(
            world_id=world_id,
            kind=WorldEvent.Kind.WAR,
            status__in=IN_FORCE,
            ends_tick__gte=F("world__current_tick"),
        ).values_list("aggressor_id", "defender_id")
    )


def routes_closed(*, world_id: int) -> dict[int, tuple[int, int]]:
    """Route id -> (a, b) settlement ids, for every road or sea lane across a front: no trade, no travel."""
    wars = wars_in_force(world_id=world_id)
    if not wars:
        return {}
    across = Q()
    for one, other in wars:
        across |= Q(a__faction_id=one, b__faction_id=other) | Q(a__faction_id=other, b__faction_id=one)
    return {
        pk: (a, b)
        for pk, a, b in Route.objects.filter(across, world_id=world_id).values_list("pk", "a_id", "b_id")
    }
