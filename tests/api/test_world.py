"""GET /world, /settlements, /settlements/{id}: what the player's worlds look like."""

import pytest

from economy.models import Market
from gmconsole.services import api_token_create
from npcs.models import PlayerCharacter
from tests.factories import make_faction, make_npc, make_region, make_settlement, make_user, make_world
from world.api import SETTLEMENT_NOT_FOUND

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
