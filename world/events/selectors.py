"""Reads for events: the route graph as plain values, an event's reach, and what wars close."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Q

from world.events import sim as event_sim
from world.models import FactionRelation, Route, Settlement, WorldEvent

Kind = WorldEvent.Kind

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


# --- the map as plain values -----------------------------------------------------------------


@dataclass(frozen=True)
class Graph:
    links: dict[int, list[int]]  # settlement id -> linked settlement ids (roads and sea lanes)
    region_of: dict[int, int]  # settlement id -> region id
    faction_of: dict[int, int]  # settlement id -> faction id


def world_graph(*, world_id: int) -> Graph:
    """The route graph of a world (2 queries)."""
    links: dict[int, list[int]] = defaultdict(list)
    for a, b in Route.objects.filter(world_id=world_id).values_list("a_id", "b_id"):
        links[a].append(b)
        links[b].append(a)
    region_of, faction_of = {}, {}
    for sid, rid, fid in Settlement.objects.filter(world_id=world_id).values_list(
        "id", "region_id", "faction_id"
    ):
        region_of[sid] = rid
        faction_of[sid] = fid
    return Graph(dict(links), region_of, faction_of)


def war_allies_of(*, event: WorldEvent) -> tuple[set[int], set[int]]:
    """Faction ids that each side's alliances draw into the war (from the world's diplomacy)."""
    stances = {
        (f, o): stance
        for f, o, stance in FactionRelation.objects.filter(world_id=event.world_id).values_list(
            "faction_id", "other_id", "stance"
        )
    }
    return event_sim.war_allies(event.aggressor_id, event.defender_id, stances)


def epicentre_settlements(*, event: WorldEvent, graph: Graph) -> list[int]:
    if event.settlement_id:
        return [event.settlement_id]
    return sorted(s for s, r in graph.region_of.items() if r == event.region_id)


def event_town_reach(*, event: WorldEvent, graph: Graph | None = None) -> event_sim.Reach:
    """Settlement id -> (hops, intensity) for the towns this event touches."""
    graph = graph or world_graph(world_id=event.world_id)
    if event.kind == Kind.WAR:
        sides = tuple(
            {s for s, f in graph.faction_of.items() if f == faction_id}
            for faction_id in (event.aggressor_id, event.defender_id)
        )
        allied = war_allies_of(event=event)
        allies = tuple({s for s, f in graph.faction_of.items() if f in camp} for camp in allied)
        return event_sim.war_town_reach(
            severity=event.severity, sides=sides, links=graph.links, allies=allies
        )
    return event_sim.town_reach(
        kind=event.kind,
        severity=event.severity,
        epicentre=epicentre_settlements(event=event, graph=graph),
        links=graph.links,
    )


def event_reach(*, event: WorldEvent, graph: Graph | None = None) -> event_sim.Reach:
    """Region id -> (hops, intensity) for the regions this event touches (its towns, by region)."""
    graph = graph or world_graph(world_id=event.world_id)
    return event_sim.by_region(event_town_reach(event=event, graph=graph), graph.region_of)
