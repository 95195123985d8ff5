"""world.routing: graphs, shortest paths and route planning (pure, no database)."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter

import pytest

from tests.world.fixtures.synthetic import tiny_export, to_bytes
from world.azgaar import parse_export
from world.routing import (
    ROAD,
    SEA,
    TRAIL,
    build_graph,
    nearest_neighbours,
    nearest_stop,
    path_length,
    plan_routes,
    prune_detours,
    shortest_paths_to_stops,
)

# A hand-made map:      0 — 1 — 2 — 3
#                        \         /
#                         4 ——— 5        (6 is cut off)
NEIGHBOURS = [[1, 4], [0, 2], [1, 3], [2, 5], [0, 5], [4, 3], []]
COORDS = [(0, 0), (1, 0), (2, 0), (3, 0), (0, 3), (3, 3), (9, 9)]


def everything(_: int) -> bool:
    return True


def test_path_length():
    assert path_length([(0, 0), (3, 4), (3, 10)]) == 11
    assert path_length([(5, 5)]) == 0


def test_build_graph_is_undirected_and_only_over_included_cells():
    # neighbours listed one way only still give both directions
    graph = build_graph([[1], [], [1]], everything)
    assert graph == {0: (1,), 1: (0, 2), 2: (1,)}
    graph = build_graph(NEIGHBOURS, lambda i: i != 2)
    assert graph[1] == (0,)
    assert graph[3] == (5,)
    assert 2 not in graph


def test_build_graph_edge_veto():
    graph = build_graph(NEIGHBOURS, everything, connects=lambda u, v: {u, v} != {0, 4})
    assert graph[0] == (1,)
    assert graph[4] == (5,)


def test_shortest_paths_stop_at_the_first_stop_on_the_way():
    graph = build_graph(NEIGHBOURS, everything)
    found = shortest_paths_to_stops(graph, COORDS, 0, stops={0, 2, 3, 6})
    # 3 is reached round the bottom (0-4-5-3), not through stop 2
    assert found[2] == (2.0, (0, 1, 2))
    assert found[3] == (9.0, (0, 4, 5, 3))
    assert 6 not in found  # unreachable
    assert 0 not in found  # the source is not its own stop


def test_shortest_paths_blocked_by_a_stop():
    graph = build_graph(NEIGHBOURS, lambda i: i not in (4, 5))
    found = shortest_paths_to_stops(graph, COORDS, 0, stops={2, 3})
    assert set(found) == {2}


def test_shortest_paths_from_a_cell_outside_the_graph():
    graph = build_graph(NEIGHBOURS, lambda i: i != 0)
    assert shortest_paths_to_stops(graph, COORDS, 0, stops={3}) == {}


def test_nearest_stop():
    graph = build_graph(NEIGHBOURS, everything)
    assert nearest_stop(graph, COORDS, 0, {3, 5}) == (3, 3.0, (0, 1, 2, 3))
    assert nearest_stop(graph, COORDS, 4, {3, 1}) == (1, 3 + 1, (4, 0, 1))
    assert nearest_stop(graph, COORDS, 0, {6}) is None


def test_nearest_neighbours_by_straight_line():
    points = {1: (0, 0), 2: (5, 0), 3: (1, 1), 4: (0, 2)}
    assert nearest_neighbours(points, 1, 2) == [3, 4]


def test_prune_detours_drops_the_long_way_round_but_keeps_connectivity():
    # A triangle where calling at B is barely longer than sailing A→C directly.
    lengths = {(1, 2): 5.0, (2, 3): 5.0, (1, 3): 9.0, (3, 4): 4.0}
    assert prune_detours(lengths, 1.25) == {(1, 2), (2, 3), (3, 4)}
    assert prune_detours(lengths, 1.0) == set(lengths)  # 10 > 9: no detour within tolerance
    # an equilateral triangle: one side goes, the other two stay
    kept = prune_detours({(1, 2): 5.0, (2, 3): 5.0, (1, 3): 5.0}, 2.0)
    assert len(kept) == 2


# --- Planning on small synthetic maps --------------------------------------------------------


def plan(data):
    return plan_routes(parse_export(to_bytes(data), file="tiny.json"))


def test_road_cells_link_consecutive_burgs_only():
    routes = plan(tiny_export(roads=[1, 1, 1, 1, 1]))
    assert [(r.a, r.b, r.kind, r.length, r.cells) for r in routes] == [
        (1, 2, ROAD, 20.0, (0, 1, 2)),
        (2, 3, ROAD, 20.0, (2, 3, 4)),
    ]


def test_burgs_off_the_roads_get_a_trail_to_the_nearest_burg_over_land():
    # Only burgs 1 and 2 are on roads; burg 3 sits on cell 4 with no road.
    routes = plan(tiny_export(roads=[1, 1, 1, 0, 0]))
    assert [(r.a, r.b, r.kind, r.cells) for r in routes] == [
        (1, 2, ROAD, (0, 1, 2)),
        (2, 3, TRAIL, (2, 3, 4)),
    ]


def test_no_trail_across_water_but_ports_sail():
    # Cell 3 is sea: burg 3 (cell 4) cannot walk to anyone; it is a port, so it sails to burg 2.
    routes = plan(tiny_export(heights=(30, 30, 30, 5, 30), roads=[1, 1, 1, 0, 0], ports=(2, 3)))
    assert [(r.a, r.b, r.kind, r.cells) for r in routes] == [(1, 2, ROAD, (0, 1, 2)), (2, 3, SEA, (2, 3, 4))]


def test_an_island_without_a_port_stays_unlinked():
    routes = plan(tiny_export(heights=(30, 30, 30, 5, 30), roads=[1, 1, 1, 0, 0]))
    assert [(r.a, r.b) for r in routes] == [(1, 2)]


def test_sea_lanes_in_road_cells_give_sea_routes_between_ports_only():
    # Burg 1 (port) on cell 0, a sea lane over cells 1-3, burg 2 (port) on cell 4; burg 3 off-map east.
    data = tiny_export(
        heights=(30, 5, 5, 5, 30, 30), roads=[1, 1, 1, 1, 1, 0], burg_cells=(0, 4, 5), ports=(1, 2)
    )
    routes = plan(data)
    assert [(r.a, r.b, r.kind, r.cells) for r in routes] == [
        (1, 2, SEA, (0, 1, 2, 3, 4)),
        (2, 3, TRAIL, (4, 5)),
    ]


def test_only_ports_embark_on_sea_lanes():
    data = tiny_export(heights=(30, 5, 5, 5, 30), roads=[1, 1, 1, 1, 1], burg_cells=(0, 4))
    routes = plan(data)
    # neither burg is a port: no sea link, and no land path either
    assert routes == []


def test_pack_routes_are_walked_from_burg_to_burg():
    points = [[0, 0, 0], [10, 0, 1], [20, 0, 2], [30, 0, 3], [40, 0, 4]]
    data = tiny_export(routes=[{"i": 0, "group": "roads", "points": points}])
    routes = plan(data)
    assert [(r.a, r.b, r.kind, r.length, r.cells) for r in routes] == [
        (1, 2, ROAD, 20.0, (0, 1, 2)),
        (2, 3, ROAD, 20.0, (2, 3, 4)),
    ]


def test_pack_routes_groups_map_to_kinds_and_the_shorter_link_wins():
    trail = {"i": 0, "group": "trails", "points": [[0, 0, 0], [15, 9, 1], [20, 0, 2]]}
    road = {"i": 1, "group": "roads", "points": [[0, 0, 0], [10, 0, 1], [20, 0, 2]]}
    sea = {"i": 2, "group": "searoutes", "points": [[20, 0, 2], [30, 5, 3], [40, 0, 4]]}
    routes = plan(tiny_export(routes=[trail, road, sea]))
    assert [(r.a, r.b, r.kind) for r in routes] == [(1, 2, ROAD), (2, 3, SEA)]
    assert routes[1].length == pytest.approx(2 * math.hypot(10, 5))


def test_pack_routes_leave_unrouted_burgs_to_the_fallbacks():
    road = {"i": 0, "group": "roads", "points": [[0, 0, 0], [10, 0, 1], [20, 0, 2]]}
    routes = plan(tiny_export(routes=[road]))
    assert [(r.a, r.b, r.kind) for r in routes] == [(1, 2, ROAD), (2, 3, TRAIL)]


def test_reduced_export_links_each_burg_to_its_two_nearest_by_straight_line():
    data = tiny_export(burg_cells=(0, 1, 3, 4), cells=False)
    routes = plan(data)
    # burgs at x = 0, 10, 30, 40
    assert [(r.a, r.b, r.kind, r.length, r.cells) for r in routes] == [
        (1, 2, TRAIL, 10.0, ()),
        (1, 3, TRAIL, 30.0, ()),
        (2, 3, TRAIL, 20.0, ()),
        (2, 4, TRAIL, 30.0, ()),
        (3, 4, TRAIL, 10.0, ()),
    ]


# --- Mones -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mones(mones_path):
    return parse_export(mones_path.read_bytes(), file="mones.json")


def test_mones_routes_follow_road_cells_between_burgs(mones):
    routes = plan_routes(mones)
    cells = mones.cells
    burg_cell = {b.source_id: b.cell for b in mones.burgs}
    burg_cells = set(burg_cell.values())
    assert Counter(r.kind for r in routes) == {ROAD: 255, SEA: 33}
    for r in routes:
        assert r.a < r.b
        assert (r.cells[0], r.cells[-1]) == (burg_cell[r.a], burg_cell[r.b])
        assert all(cells[c].road > 0 for c in r.cells)
        assert all(r.cells[i + 1] in cells[r.cells[i]].neighbours for i in range(len(r.cells) - 1))
        assert not burg_cells & set(r.cells[1:-1])  # never through another burg
        water = [cells[c].is_water for c in r.cells]
        assert any(water) == (r.kind == SEA)
    linked = {r.a for r in routes} | {r.b for r in routes}
    assert linked == set(burg_cell)


def test_mones_network_is_connected(mones):
    routes = plan_routes(mones)
    around: dict[int, set[int]] = {}
    for r in routes:
        around.setdefault(r.a, set()).add(r.b)
        around.setdefault(r.b, set()).add(r.a)
    seen, todo = {1}, [1]
    while todo:
        for other in around[todo.pop()] - seen:
            seen.add(other)
            todo.append(other)
    assert len(seen) == 121


def test_mones_planning_is_deterministic(mones):
    assert plan_routes(mones) == plan_routes(dataclasses.replace(mones))
