"""The world map: settlements by faction and size, routes by kind, markers for events in force."""

import re

import pytest
from django.urls import reverse

from gmconsole.console.map_views import frame_for, heat_colour, heat_map, safe_colour
from tests import factories as f
from world.models import Route, World, WorldEvent

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _dot(html: str, settlement_id: int) -> dict:
    """The attributes of a settlement's dot on the map."""
    m = re.search(
        rf'data-settlement="{settlement_id}">(?P<ring><circle class="capital-ring"[^>]*/>)?'
        r'<circle class="dot" cx="(?P<cx>[\d.]+)" cy="(?P<cy>[\d.]+)" r="(?P<r>[\d.]+)" fill="(?P<fill>[^"]+)">'
        r"<title>(?P<title>[^<]+)</title>",
        html,
    )
    assert m, f"no dot for settlement {settlement_id}"
    return {**m.groupdict(), "r": float(m["r"])}


@pytest.fixture
def realm(town):
    """Mones at 1000×500 with a second, rival faction across the sea and a neutral hamlet."""
    World.objects.filter(pk=town.world.pk).update(width=1000, height=500)
    town.world.refresh_from_db()
    world = town.world
    rival = f.make_faction(world=world, name="Sea Kings", color="#3366cc")
    neutral = f.make_faction(world=world, name="Neutral lands", color="#ff0000", is_neutral=True)
    isles = f.make_region(world=world, faction=rival, name="Salt Isles")
    port = f.make_settlement(region=isles, name="Saltmere", population=9000, x=800, y=120, is_capital=True)
    harbour = f.make_settlement(region=isles, name="Gullwick", population=300, x=850, y=300)
    wilds = f.make_region(world=world, faction=neutral, name="Wilds")
    hamlet = f.make_settlement(region=wilds, name="Nowhere", population=50, x=500, y=450)
    a, b = sorted([town.home, port], key=lambda s: s.pk)
    Route.objects.create(world=world, a=a, b=b, kind=Route.Kind.SEA, distance_km=300)
    return {"rival": rival, "isles": isles, "port": port, "harbour": harbour, "hamlet": hamlet}


def _event(world, **kw) -> WorldEvent:
    kw.setdefault("kind", WorldEvent.Kind.FLOOD)
    kw.setdefault("title", "A flood")
    kw.setdefault("status", WorldEvent.Status.ACTIVE)
    return WorldEvent.objects.create(world=world, **kw)


def test_map_draws_settlements_by_faction_and_population_on_the_worlds_frame(staff_client, town, realm):
    html = _text(staff_client.get(reverse("console:world_map"), {"world": town.world.pk}))

    assert 'viewBox="0 0 1000 500"' in html
    home, other = _dot(html, town.home.pk), _dot(html, town.other.pk)
    port, hamlet = _dot(html, realm["port"].pk), _dot(html, realm["hamlet"].pk)
    # coloured by faction (the neutral lands grey whatever their colour), placed at x/y
    assert home["fill"] == other["fill"] == "#aa3344"
    assert port["fill"] == "#3366cc"
    assert hamlet["fill"] == "#8a8577"
    assert (port["cx"], port["cy"]) == ("800", "120")
    # sized by population: 9000 > 4200 > 800 > 50; the largest at 1.2 % of the map's size
    assert port["r"] > home["r"] > other["r"] > hamlet["r"]
    assert port["r"] == pytest.approx(12.0)
    # tooltips; the capital ringed
    assert port["title"] == "Saltmere (capital) · Sea Kings · population 9,000"
    assert home["title"] == "Brindlemoor · Kingdom of Orm · population 4,200"
    assert port["ring"] and not home["ring"]
    assert '<text class="label" x="800"' in html and ">Saltmere</text>" in html
    # every dot links to its settlement
    assert f'<a href="{reverse("console:settlement_detail", args=[town.home.pk])}" data-settlement' in html


def test_map_draws_roads_and_sea_lanes_differently(staff_client, town, realm):
    html = _text(staff_client.get(reverse("console:world_map"), {"world": town.world.pk}))

    roads = re.findall(r'<line class="route route-road"[^>]*><title>([^<]+)</title>', html)
    seas = re.findall(r'<line class="route route-sea"[^>]*><title>([^<]+)</title>', html)
    assert len(roads) == 1 and "Brindlemoor" in roads[0] and "Cask Hollow" in roads[0]
    assert len(seas) == 1 and "Saltmere" in seas[0]
    assert "1 road · 1 sea lane" in html


def test_legend_lists_factions_with_their_colours_and_settlements(staff_client, town, realm):
    html = _text(staff_client.get(reverse("console:world_map"), {"world": town.world.pk}))
    legend = html[html.index('id="map-legend"') : html.index("</ul>", html.index('id="map-legend"'))]
    rows = re.findall(r'background: ([^"]+)"></span>([^<]+)<span class="num">(\d+)</span>', legend)
    assert rows == [
        ("#aa3344", "Kingdom of Orm", "2"),
        ("#3366cc", "Sea Kings", "2"),
        ("#8a8577", "Neutral lands", "1"),
    ]


def test_events_in_force_are_marked_where_they_happen(staff_client, town, realm):
    world = town.world
    flood = _event(world, title="The Orm floods", settlement=town.home, region=town.home.region)
    war = _event(
        world,
        kind=WorldEvent.Kind.WAR,
        title="Isle war",
        region=realm["isles"],
        status=WorldEvent.Status.APPLYING,
    )
    partial = _event(
        world,
        kind=WorldEvent.Kind.PLAGUE,
        title="Wild plague",
        region=realm["hamlet"].region,
        status=WorldEvent.Status.PARTIAL,
    )
    border = _event(
        world,
        kind=WorldEvent.Kind.WAR,
        title="Border war",
        aggressor=town.home.faction,
        defender=realm["rival"],
    )
    for status in (WorldEvent.Status.PENDING, WorldEvent.Status.ENDED, WorldEvent.Status.CANCELLED):
        _event(world, title=f"Not shown {status}", settlement=town.other, status=status)

    html = _text(staff_client.get(reverse("console:world_map"), {"world": world.pk}))

    markers = re.findall(
        r'<a class="event-marker" href="([^"]+)" data-event="(\d+)">.*?<title>([^<]+)</title>', html
    )
    by_event = {int(pk): (href, title) for href, pk, title in markers}
    assert set(by_event) == {flood.pk, war.pk, partial.pk, border.pk}
    assert by_event[flood.pk] == (
        reverse("console:event_detail", args=[flood.pk]),
        "Flood: The Orm floods · Brindlemoor · severity 5 · Active",
    )
    # a region's event sits at its capital; without one, at its largest settlement
    assert "· Saltmere ·" in by_event[war.pk][1]
    assert "· Nowhere ·" in by_event[partial.pk][1]
    # a war between factions, at the defender's capital
    assert "· Saltmere ·" in by_event[border.pk][1]
    assert "4 events in force" in html
    assert "Not shown" not in html


def test_map_runs_a_fixed_number_of_queries(staff_client, town, realm, django_assert_max_num_queries):
    staff_client.get(reverse("console:world_map"), {"world": town.world.pk})
    for i in range(40):
        f.make_settlement(region=realm["isles"], name=f"Isle {i}", population=100 + i)
        _event(town.world, title=f"Storm {i}", region=realm["isles"])
    # session, user, the world, worlds; settlements, routes, factions, events
    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("console:world_map"), {"world": town.world.pk})
    assert response.content.decode().count('class="dot"') == 45


def test_map_without_a_world_says_so(admin_client):
    response = admin_client.get(reverse("console:world_map"))
    assert response.status_code == 200
    assert "No world has been imported yet." in response.content.decode()


def test_map_is_for_staff_only(client, town):
    response = client.get(reverse("console:world_map"))
    assert response.status_code == 302
    client.force_login(f.make_user(is_staff=False))
    assert client.get(reverse("console:world_map")).status_code == 403


# --- the drawing helpers ------------------------------------------------------------------------


def test_colours_from_the_map_are_used_only_when_they_are_hex_colours():
    assert safe_colour("#a1b2c3") == "#a1b2c3"
    assert safe_colour("#abc") == "#abc"
    assert safe_colour('red" onload="x') == "#8a8577"
    assert safe_colour("") == "#8a8577"


def test_a_world_without_a_size_is_framed_by_its_settlements():
    frame = frame_for(width=0, height=0, points=[{"x": 200.0, "y": 400.0}, {"x": 1000.0, "y": 10.0}])
    assert frame.view_box == "0 0 1050 420"
    assert frame_for(width=640, height=480, points=[]).view_box == "0 0 640 480"


def test_heat_map_colours_settlements_by_how_many_heard():
    points = [
        {"id": 1, "name": "A", "x": 10.0, "y": 10.0},
        {"id": 2, "name": "B", "x": 20.0, "y": 20.0},
        {"id": 3, "name": "C", "x": 30.0, "y": 30.0},
    ]
    drawn = heat_map(width=100, height=50, points=points, counts={1: 40, 2: 10})
    assert [d["name"] for d in drawn["quiet"]] == ["C"]
    assert [(d["name"], d["count"]) for d in drawn["heard"]] == [("B", 10), ("A", 40)]  # busiest on top
    assert drawn["heard"][1]["colour"] == heat_colour(1.0) == "#d63c32"
    assert heat_colour(0.0) == "#ffeca0"
    assert drawn["most"] == 40
