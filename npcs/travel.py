"""A player character's travel over the route graph: the shortest way (pure) and the move (a write).

One move may go any distance along routes, and takes no game time (yet); it is refused when the
destination is not of the character's world or no chain of routes leads there.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from npcs.models import PlayerCharacter
from world.events.selectors import routes_closed
from world.models import Route, Settlement

UNKNOWN_SETTLEMENT = "No settlement {settlement_id} in your character's world."
ALREADY_THERE = "{character} is already in {settlement}."
UNREACHABLE = "No route leads from {origin} to {destination}: {character} cannot travel there."
FRONT_CLOSED = (
    "Every way from {origin} to {destination} crosses the front of a war; "
    "{character} cannot travel there until it is over."
)


class TravelError(Exception):
    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.code = code  # "not_found" or "conflict", for the API's status code


@dataclass(frozen=True)
class Way:
    distance_km: float
    settlements: tuple[int, ...]  # from the origin to the destination, both included
    routes: tuple[int, ...]  # the routes taken, in order


def shortest_way(edges: Iterable[tuple[int, int, int, float]], origin: int, destination: int) -> Way | None:
    """Dijkstra over (route id, a, b, km) undirected edges; None when nothing connects the two.
    Ties break on the lower settlement id, so the answer is deterministic."""
    around: dict[int, list[tuple[int, float, int]]] = {}
    for route_id, a, b, km in edges:
        around.setdefault(a, []).append((b, km, route_id))
        around.setdefault(b, []).append((a, km, route_id))
    best = {origin: 0.0}
    came: dict[int, tuple[int, int]] = {}  # settlement: (previous settlement, route)
    queue = [(0.0, origin)]
    done: set[int] = set()
    while queue:
        km, here = heapq.heappop(queue)
        if here in done:
            continue
        done.add(here)
        if here == destination:
            settlements, routes = [here], []
            while settlements[-1] != origin:
                previous, route_id = came[settlements[-1]]
                settlements.append(previous)
                routes.append(route_id)
            return Way(
                distance_km=km, settlements=tuple(reversed(settlements)), routes=tuple(reversed(routes))
            )
        for there, length, route_id in sorted(around.get(here, ())):
            candidate = km + length
            if candidate < best.get(there, float("inf")) - 1e-9:
                best[there] = candidate
                came[there] = (here, route_id)
                heapq.heappush(queue, (candidate, there))
    return None


@dataclass(frozen=True)
class Travel:
    character: PlayerCharacter
    origin: Settlement
    destination: Settlement
    way: Way


@transaction.atomic
def character_travel(*, character: PlayerCharacter, settlement_id: int) -> Travel:
    """Move the character to `settlement_id` along the shortest chain of routes from where it is."""
    character = (
        PlayerCharacter.objects.select_for_update(of=("self",))
        .select_related("settlement")
        .get(pk=character.pk)
    )
    destination = (
        Settlement.objects.filter(world_id=character.world_id, pk=settlement_id)
        .select_related("region")
        .first()
    )
    if destination is None:
        raise TravelError(UNKNOWN_SETTLEMENT.format(settlement_id=settlement_id), code="not_found")
    origin = character.settlement
    if destination.pk == origin.pk:
        raise TravelError(ALREADY_THERE.format(character=character.name, settlement=origin.name))
    edges = list(
        Route.objects.filter(world_id=character.world_id).values_list("id", "a_id", "b_id", "distance_km")
    )
    closed = routes_closed(world_id=character.world_id)  # no one crosses a front while a war lasts
    way = shortest_way([e for e in edges if e[0] not in closed], origin.pk, destination.pk)
    if way is None:
        blocked = bool(closed) and shortest_way(edges, origin.pk, destination.pk) is not None
        message = FRONT_CLOSED if blocked else UNREACHABLE
        raise TravelError(
            message.format(origin=origin.name, destination=destination.name, character=character.name)
        )
    character.settlement = destination
    character.save(update_fields=["settlement"])
    return Travel(character=character, origin=origin, destination=destination, way=way)
