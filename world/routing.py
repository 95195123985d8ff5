"""Routes between settlements: graph building and shortest paths over map cells. No ORM here.

A graph is `{cell: (neighbour, ...)}` over the cells allowed to travel through; edge lengths
are euclidean distances between cell coordinates (map units). `plan_routes` turns an Azgaar
map into links between burgs:

1. 1.100+ exports list routes (`pack.routes`): consecutive burg cells along each are linked.
2. Older exports mark road cells (`road` > 0, sea lanes included): from each burg, a
   shortest-path search over road cells links it to every burg it reaches without passing
   through another burg. Only ports embark, and a lane passing a port's harbour calls there.
   Sea links whose way runs past a third port (within SEA_DETOUR_TOLERANCE) are dropped.
3. A burg left without a link gets a trail to its nearest burg over land; a port still left
   alone gets a sea link to the nearest port on the same water (or any port).
4. A reduced export (no cells) links each burg to its 2 nearest burgs as trails.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from world.azgaar import AzgaarMap, Burg

ROAD, TRAIL, SEA = "road", "trail", "sea"  # values of world.models.Route.Kind
ROUTE_GROUP_KINDS = {"roads": ROAD, "trails": TRAIL, "searoutes": SEA}
NEAREST_FOR_REDUCED = 2
# A sea link is dropped when calling at a third port on the way is at most this much longer.
SEA_DETOUR_TOLERANCE = 1.25

Point = tuple[float, float]
Graph = dict[int, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    a: int  # burg source id, a < b
    b: int
    kind: str
    length: float  # map units
    cells: tuple[int, ...]  # from a's cell to b's cell; empty when no cell path is known


# --- Geometry and graphs ----------------------------------------------------------------


def path_length(points: Sequence[Point]) -> float:
    """Length of a polyline."""
    return sum(math.dist(points[i], points[i + 1]) for i in range(len(points) - 1))


def build_graph(
    neighbours: Sequence[Sequence[int]],
    include: Callable[[int], bool],
    *,
    connects: Callable[[int, int], bool] | None = None,
) -> Graph:
    """Undirected graph over the included cells; an edge wherever either cell lists the other.

    `connects(u, v)` can veto single edges (e.g. land-to-land steps on a sea graph).
    """
    edges: dict[int, set[int]] = {}
    for u, around in enumerate(neighbours):
        if not include(u):
            continue
        edges.setdefault(u, set())
        for v in around:
            if v != u and include(v) and (connects is None or connects(u, v)):
                edges[u].add(v)
                edges.setdefault(v, set()).add(u)
    return {u: tuple(sorted(vs)) for u, vs in edges.items()}


def shortest_paths_to_stops(
    graph: Graph, coords: Sequence[Point], source: int, stops: Iterable[int]
) -> dict[int, tuple[float, tuple[int, ...]]]:
    """Dijkstra from `source`; a stop is reached but never passed through.

    Returns {stop: (length, path from source to stop)} for every stop reachable without
    crossing another stop. Ties break on the lower cell id, so results are deterministic.
    """
    stop_set = set(stops) - {source}
    if source not in graph:
        return {}
    best = {source: 0.0}
    previous: dict[int, int] = {}
    found: dict[int, tuple[float, tuple[int, ...]]] = {}
    queue = [(0.0, source)]
    done: set[int] = set()
    while queue:
        dist, u = heapq.heappop(queue)
        if u in done:
            continue
        done.add(u)
        if u in stop_set:
            found[u] = (dist, _walk_back(previous, source, u))
            continue
        for v in graph.get(u, ()):
            candidate = dist + math.dist(coords[u], coords[v])
            if candidate < best.get(v, math.inf) - 1e-12:
                best[v] = candidate
                previous[v] = u
                heapq.heappush(queue, (candidate, v))
    return found


def nearest_stop(
    graph: Graph, coords: Sequence[Point], source: int, stops: Iterable[int]
) -> tuple[int, float, tuple[int, ...]] | None:
    """The closest reachable stop as (stop, length, path), or None."""
    found = shortest_paths_to_stops(graph, coords, source, stops)
    if not found:
        return None
    stop = min(found, key=lambda s: (found[s][0], s))
    return stop, found[stop][0], found[stop][1]


def nearest_neighbours(points: dict[int, Point], key: int, k: int) -> list[int]:
    """The `k` keys closest to `key` by straight line (ties by key)."""
    here = points[key]
    others = sorted((math.dist(here, p), other) for other, p in points.items() if other != key)
    return [other for _, other in others[:k]]


def prune_detours(lengths: dict[tuple[int, int], float], tolerance: float) -> set[tuple[int, int]]:
    """The edges to keep: A–C goes when a kept A–B–C is at most `tolerance` × |AC| long.

    Edges are judged longest first and only against edges still kept, so the endpoints of a
    dropped edge stay connected: the graph's connectivity never changes.
    """
    kept = set(lengths)
    around: dict[int, set[int]] = {}
    for a, b in lengths:
        around.setdefault(a, set()).add(b)
        around.setdefault(b, set()).add(a)

    def length(u: int, v: int) -> float | None:
        pair = (u, v) if (u, v) in lengths else (v, u)
        return lengths[pair] if pair in kept else None

    for a, c in sorted(lengths, key=lambda pair: (-lengths[pair], pair)):
        limit = lengths[(a, c)] * tolerance
        for b in sorted(around[a] & around[c]):
            ab, bc = length(a, b), length(b, c)
            if ab is not None and bc is not None and ab + bc <= limit:
                kept.discard((a, c))
                around[a].discard(c)
                around[c].discard(a)
                break
    return kept


def _walk_back(previous: dict[int, int], source: int, target: int) -> tuple[int, ...]:
    path = [target]
    while path[-1] != source:
        path.append(previous[path[-1]])
    return tuple(reversed(path))


# --- Planning the routes of a map -----------------------------------------------------------


class _Links:
    """Collects links between burgs, keeping the shortest per pair."""

    def __init__(self) -> None:
        self.by_pair: dict[tuple[int, int], PlannedRoute] = {}
        self.burgs: set[int] = set()

    def add(self, a: int, b: int, kind: str, length: float, cells: Sequence[int]) -> None:
        if a == b:
            return
        if a > b:
            a, b, cells = b, a, tuple(reversed(cells))
        route = PlannedRoute(a=a, b=b, kind=kind, length=length, cells=tuple(cells))
        current = self.by_pair.get((a, b))
        if current is None or length < current.length:
            self.by_pair[(a, b)] = route
            self.burgs.update((a, b))

    def linked(self, burg: int) -> bool:
        return burg in self.burgs

    def prune_sea(self) -> None:
        sea = {pair: r.length for pair, r in self.by_pair.items() if r.kind == SEA}
        kept = prune_detours(sea, SEA_DETOUR_TOLERANCE)
        for pair in set(sea) - kept:
            del self.by_pair[pair]
        self.burgs = {burg for pair in self.by_pair for burg in pair}

    def routes(self) -> list[PlannedRoute]:
        return [self.by_pair[pair] for pair in sorted(self.by_pair)]


def plan_routes(world_map: AzgaarMap) -> list[PlannedRoute]:
    """Links between the map's burgs (see the module docstring for the rules)."""
    burgs = sorted(world_map.burgs, key=lambda b: b.source_id)
    links = _Links()
    cells = world_map.cells
    if cells is None:
        points = {b.source_id: (b.x, b.y) for b in burgs}
        for burg in burgs:
            for other in nearest_neighbours(points, burg.source_id, NEAREST_FOR_REDUCED):
                links.add(burg.source_id, other, TRAIL, math.dist(points[burg.source_id], points[other]), ())
        return links.routes()

    burg_at: dict[int, int] = {}
    for burg in burgs:
        burg_at.setdefault(burg.cell, burg.source_id)
    # Cell centres, with each burg's own cell at the burg's position.
    coords: list[Point] = [(c.x, c.y) for c in cells]
    for burg in burgs:
        if burg_at[burg.cell] == burg.source_id:
            coords[burg.cell] = (burg.x, burg.y)
    neighbours = [c.neighbours for c in cells]

    ports = [b for b in burgs if b.port]
    port_cells = {b.cell for b in ports}
    if world_map.routes:
        for route in world_map.routes:
            _link_along_route(route.points, ROUTE_GROUP_KINDS.get(route.group, TRAIL), burg_at, links)
    else:
        _link_along_road_cells(world_map, burgs, burg_at, coords, links)
    links.prune_sea()

    land = build_graph(neighbours, lambda i: not cells[i].is_water)
    for burg in burgs:
        if links.linked(burg.source_id):
            continue
        stops = [cell for cell, other in burg_at.items() if other != burg.source_id]
        found = nearest_stop(land, coords, burg.cell, stops)
        if found is not None:
            stop, length, path = found
            links.add(burg.source_id, burg_at[stop], TRAIL, length, path)

    sea = build_graph(
        neighbours,
        lambda i: cells[i].is_water or i in port_cells,
        connects=lambda u, v: cells[u].is_water or cells[v].is_water,
    )
    for burg in ports:
        if not links.linked(burg.source_id):
            _link_by_sea(burg, ports, sea, coords, links)
    return links.routes()


def _link_along_road_cells(
    world_map: AzgaarMap, burgs: list[Burg], burg_at: dict[int, int], coords: Sequence[Point], links: _Links
) -> None:
    """Search the road cells of an older export from every burg (see the module docstring).

    Road cells include the sea lanes. Only a port embarks: a land cell and a water cell are
    joined only at a port's own cell. At sea, a lane that passes a port's harbour (`haven`)
    calls at that port, as a road that passes a burg's cell does.
    """
    cells = world_map.cells
    assert cells is not None
    port_cells = {b.cell for b in burgs if b.port}
    harbours: dict[int, list[Burg]] = {}
    for burg in burgs:
        haven = cells[burg.cell].haven
        if burg.port and haven and cells[haven].is_water:
            harbours.setdefault(haven, []).append(burg)
    roads = build_graph(
        [c.neighbours for c in cells],
        lambda i: cells[i].road > 0,
        connects=lambda u, v: cells[u].is_water == cells[v].is_water or u in port_cells or v in port_cells,
    )
    for burg in burgs:
        if burg_at[burg.cell] != burg.source_id:
            continue
        own_harbour = cells[burg.cell].haven if burg.port else None
        stops = set(burg_at) | (set(harbours) - {own_harbour})
        for stop, (length, path) in shortest_paths_to_stops(roads, coords, burg.cell, stops).items():
            if stop in burg_at:
                kind = SEA if any(cells[c].is_water for c in path) else ROAD
                links.add(burg.source_id, burg_at[stop], kind, length, path)
                continue
            for port in harbours[stop]:
                if port.source_id != burg.source_id:
                    landing = length + math.dist(coords[stop], coords[port.cell])
                    links.add(burg.source_id, port.source_id, SEA, landing, (*path, port.cell))


def _link_along_route(
    points: Sequence[tuple[float, float, int]], kind: str, burg_at: dict[int, int], links: _Links
) -> None:
    """Link each pair of consecutive burg cells along one route's points."""
    last = None  # index of the last burg point
    for i, (_, _, cell) in enumerate(points):
        if cell not in burg_at:
            continue
        if last is not None and points[last][2] != cell:
            stretch = points[last : i + 1]
            path = [p[2] for p in stretch]
            path = [c for k, c in enumerate(path) if k == 0 or c != path[k - 1]]
            links.add(
                burg_at[points[last][2]], burg_at[cell], kind, path_length([p[:2] for p in stretch]), path
            )
        last = i


def _link_by_sea(burg: Burg, ports: list[Burg], sea: Graph, coords: Sequence[Point], links: _Links) -> None:
    """A lone port sails to the nearest port on the same water, else any port; straight if no water path."""
    others = [p for p in ports if p.source_id != burg.source_id and p.cell != burg.cell]
    if not others:
        return
    same_water = [p for p in others if p.port == burg.port]
    for group in (same_water, others):
        by_cell = {p.cell: p.source_id for p in group}
        found = nearest_stop(sea, coords, burg.cell, by_cell)
        if found is not None:
            stop, length, path = found
            links.add(burg.source_id, by_cell[stop], SEA, length, path)
            return
    group = same_water or others
    nearest = min(group, key=lambda p: (math.dist((burg.x, burg.y), (p.x, p.y)), p.source_id))
    links.add(
        burg.source_id,
        nearest.source_id,
        SEA,
        math.dist((burg.x, burg.y), (nearest.x, nearest.y)),
        (burg.cell, nearest.cell),
    )
