"""GET /world, /settlements, /settlements/{id}, /settlements/{id}/npcs, /events: the player's worlds."""

import pytest

from economy.models import Market
from gmconsole.services import api_token_create
from npcs.models import PlayerCharacter
from tests.factories import make_faction, make_npc, make_region, make_settlement, make_user, make_world
from world.api import SETTLEMENT_NOT_FOUND
from world.models import Route, WorldEvent

pytestmark = pytest.mark.django_db


def test_world_overview_matches_the_database(client, player):
    world = player.world
    world.current_tick = 30
    world.save(update_fields=["current_tick"])
    neutral = make_faction(world=world, source_id=0, name="Neutrals", is_neutral=True, color="#aaa")
    second = make_settlement(region=make_region(world=world, faction=neutral))
    make_npc(settlement=player.town)
    make_npc(settlement=player.town)
    make_npc(settlement=second)
    make_npc(settlement=second, is_alive=False)
    elsewhere = make_world()
    make_npc(settlement=make_settlement(region=make_region(world=elsewhere)))

    response = client.get("/api/v1/world", **player.headers)

    assert response.status_code == 200
    kingdom = player.town.faction
    assert response.json() == [
        {
            "id": world.pk,
            "slug": "mones",
            "name": "Mones",
            "clock": {"tick": 30, "day": 2, "hour": 6, "hours_per_tick": 1},
            "population": 3,
            "settlements": 2,
            "factions": [
                {"id": neutral.pk, "name": "Neutrals", "full_name": "", "color": "#aaa", "is_neutral": True},
                {"id": kingdom.pk, "name": "Kingdom", "full_name": "", "color": "", "is_neutral": False},
            ],
        }
    ]


def test_world_overview_lists_each_world_the_player_plays_in(client, player):
    second = make_world(name="Zeth", slug="zeth")
    PlayerCharacter.objects.create(
        world=second,
        owner=player.user,
        settlement=make_settlement(region=make_region(world=second)),
        name="Ana II",
    )
    make_world(name="Aaa unplayed", slug="aaa")

    response = client.get("/api/v1/world", **player.headers)

    assert [(w["slug"], w["population"], w["settlements"]) for w in response.json()] == [
        ("mones", 0, 1),
        ("zeth", 0, 1),
    ]


def test_world_overview_runs_a_fixed_number_of_queries(client, player, django_assert_max_num_queries):
    for n in range(5):
        make_npc(settlement=make_settlement(region=player.town.region, name=f"Hamlet {n}"))

    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/world", **player.headers)

    assert response.json()[0]["settlements"] == 6


@pytest.fixture
def towns(player):
    """Brightwater (port, capital) and Ashford in Northmarch; Cold Harbour in Southvale; one town elsewhere."""
    town = player.town
    town.is_port, town.is_capital, town.x, town.y, town.population = True, True, 10.5, 20.25, 4200
    town.save()
    south = make_region(world=player.world, faction=town.faction, name="Southvale")
    ashford = make_settlement(region=town.region, name="Ashford", population=300, x=1.0, y=2.0)
    harbour = make_settlement(region=south, name="Cold Harbour", population=900, is_port=True, x=3.0, y=4.0)
    foreign = make_settlement(region=make_region(world=make_world()), name="Abroad")
    return town, ashford, harbour, foreign


def test_settlement_list_is_paginated_by_name(client, player, towns):
    town, ashford, harbour, _ = towns

    first = client.get("/api/v1/settlements?page_size=2", **player.headers).json()
    second = client.get("/api/v1/settlements?page_size=2&page=2", **player.headers).json()

    assert first["count"] == 3
    assert [s["name"] for s in first["items"]] == ["Ashford", "Brightwater"]
    assert [s["name"] for s in second["items"]] == ["Cold Harbour"]
    assert first["items"][1] == {
        "id": town.pk,
        "name": "Brightwater",
        "world": "mones",
        "region": {"id": town.region_id, "name": "Northmarch"},
        "faction": {"id": town.faction_id, "name": "Kingdom"},
        "population": 4200,
        "is_port": True,
        "is_capital": True,
        "x": 10.5,
        "y": 20.25,
    }


def test_settlement_list_filters_by_region_and_name(client, player, towns):
    town, ashford, harbour, _ = towns

    by_region = client.get(f"/api/v1/settlements?region={harbour.region_id}", **player.headers).json()
    by_name = client.get("/api/v1/settlements?q=WATER", **player.headers).json()
    both = client.get(f"/api/v1/settlements?q=ash&region={town.region_id}", **player.headers).json()
    foreign = client.get("/api/v1/settlements?q=abroad", **player.headers).json()

    assert [(s["id"], s["region"]["name"]) for s in by_region["items"]] == [(harbour.pk, "Southvale")]
    assert [s["id"] for s in by_name["items"]] == [town.pk]
    assert [s["id"] for s in both["items"]] == [ashford.pk]
    assert foreign == {"items": [], "count": 0}


def test_settlement_detail(client, player, towns):
    town = towns[0]
    make_npc(settlement=town)
    make_npc(settlement=town, is_alive=False)
    Market.objects.create(world=town.world, settlement=town, region=town.region)

    body = client.get(f"/api/v1/settlements/{town.pk}", **player.headers).json()

    assert (body["name"], body["npcs"], body["has_market"], body["population"]) == (
        "Brightwater",
        1,
        True,
        4200,
    )
    assert client.get(f"/api/v1/settlements/{towns[1].pk}", **player.headers).json()["has_market"] is False


def _route(a, b, **kw):
    first, second = sorted((a, b), key=lambda s: s.pk)
    return Route.objects.create(world=a.world, a=first, b=second, **kw)


def test_settlement_detail_lists_the_neighbours_nearest_first(client, player, towns):
    town, ashford, harbour, _ = towns
    _route(town, harbour, kind="sea", distance_km=80.04)
    _route(town, ashford, kind="road", distance_km=12.345)
    _route(ashford, harbour, kind="trail", distance_km=40)  # not from Brightwater

    body = client.get(f"/api/v1/settlements/{town.pk}", **player.headers).json()
    lonely = client.get(f"/api/v1/settlements/{harbour.pk}", **player.headers).json()

    assert body["neighbours"] == [
        {"id": ashford.pk, "name": "Ashford", "route_kind": "road", "distance_km": 12.3},
        {"id": harbour.pk, "name": "Cold Harbour", "route_kind": "sea", "distance_km": 80.0},
    ]
    assert [(n["name"], n["route_kind"]) for n in lonely["neighbours"]] == [
        ("Ashford", "trail"),
        ("Brightwater", "sea"),
    ]


def test_settlement_npcs_lists_the_living_by_name_without_purse_or_needs(client, player, towns):
    town, ashford, _, _ = towns
    bren = make_npc(settlement=town, name="Bren", profession="smith", activity="work", purse=900)
    aldo = make_npc(settlement=town, name="Aldo", profession="innkeeper", activity="socialise")
    make_npc(settlement=town, name="Abel", is_alive=False)
    make_npc(settlement=ashford, name="Alma")

    first = client.get(f"/api/v1/settlements/{town.pk}/npcs?page_size=1", **player.headers)
    second = client.get(f"/api/v1/settlements/{town.pk}/npcs?page_size=1&page=2", **player.headers)

    assert first.status_code == 200, first.content
    assert first.json() == {
        "items": [{"id": aldo.pk, "name": "Aldo", "profession": "innkeeper", "activity": "socialise"}],
        "count": 2,
    }
    assert second.json()["items"] == [
        {"id": bren.pk, "name": "Bren", "profession": "smith", "activity": "work"}
    ]


def test_settlement_npcs_of_another_world_or_no_settlement_are_404(client, player, towns):
    foreign = towns[3]
    make_npc(settlement=foreign, name="Stranger")

    abroad = client.get(f"/api/v1/settlements/{foreign.pk}/npcs", **player.headers)
    nowhere = client.get("/api/v1/settlements/999999/npcs", **player.headers)

    assert (abroad.status_code, abroad.json()) == (404, {"detail": SETTLEMENT_NOT_FOUND})
    assert (nowhere.status_code, nowhere.json()) == (404, {"detail": SETTLEMENT_NOT_FOUND})


def test_settlement_npcs_refuse_offset_and_limit(client, player, towns):
    make_npc(settlement=towns[0])

    answer = client.get(f"/api/v1/settlements/{towns[0].pk}/npcs?offset=0&limit=5", **player.headers)

    assert answer.status_code == 400
    assert (
        "page_size" in answer.json()["detail"]
        and "limit, offset are not supported" in answer.json()["detail"]
    )


def test_settlement_of_another_world_is_404(client, player, towns):
    foreign = towns[3]

    response = client.get(f"/api/v1/settlements/{foreign.pk}", **player.headers)

    assert response.status_code == 404
    assert response.json() == {"detail": SETTLEMENT_NOT_FOUND}


def test_a_player_without_characters_sees_no_world(client, player):
    _, key = api_token_create(user=make_user())

    assert client.get("/api/v1/world", HTTP_AUTHORIZATION=f"Bearer {key}").json() == []
    assert client.get("/api/v1/settlements", HTTP_AUTHORIZATION=f"Bearer {key}").json() == {
        "items": [],
        "count": 0,
    }


def _event(world, *, title, status="active", started_tick=1, **kw):
    return WorldEvent.objects.create(
        world=world, kind="festival", title=title, status=status, started_tick=started_tick, **kw
    )


def test_events_are_paged_newest_first_and_only_those_in_force(client, player):
    town = player.town
    fair = _event(player.world, title="Fair", started_tick=5, settlement=town, severity=2, ends_tick=53)
    _event(player.world, title="Blaze", status="applying", started_tick=7, region=town.region)
    _event(player.world, title="Half-done", status="partial", started_tick=3)
    _event(player.world, title="Later", status="pending", started_tick=None)
    _event(player.world, title="Over", status="ended", started_tick=9)
    _event(make_world(), title="Abroad", started_tick=8)

    first = client.get("/api/v1/events?page_size=2", **player.headers).json()
    second = client.get("/api/v1/events?page_size=2&page=2", **player.headers).json()

    assert first["count"] == 3
    assert [e["title"] for e in first["items"]] == ["Blaze", "Fair"]
    assert [e["title"] for e in second["items"]] == ["Half-done"]
    assert first["items"][1] == {
        "id": fair.pk,
        "kind": "festival",
        "title": "Fair",
        "description": "",
        "status": "active",
        "severity": 2,
        "settlement": "Brightwater",
        "region": None,
        "started_tick": 5,
        "ends_tick": 53,
    }
    assert first["items"][0]["region"] == "Northmarch"


def test_events_filter_by_world_and_refuse_offset_and_limit(client, player):
    _event(player.world, title="Fair")

    mine = client.get("/api/v1/events?world=mones", **player.headers).json()
    other = client.get("/api/v1/events?world=zeth", **player.headers).json()
    refused = client.get("/api/v1/events?offset=10", **player.headers)

    assert [e["title"] for e in mine["items"]] == ["Fair"]
    assert other == {"items": [], "count": 0}
    assert refused.status_code == 400 and "offset is not supported" in refused.json()["detail"]
