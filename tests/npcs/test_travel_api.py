"""`POST /api/v1/me/travel`: a character moves along the routes, by the shortest way, or is refused."""

from __future__ import annotations

import pytest

from gmconsole.services import api_token_create
from npcs.models import PlayerCharacter
from npcs.travel import ALREADY_THERE, UNKNOWN_SETTLEMENT, UNREACHABLE, Way, shortest_way
from tests.factories import make_region, make_settlement, make_user, make_world
from world.models import Route

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def land():
    """Brightwater –12 km– Millford –5 km– Oakham, and a 30 km road straight to Oakham; Lonely has no road."""
    world = make_world(name="Mones", slug="mones")
    region = make_region(world=world)
    towns = {
        name: make_settlement(region=region, name=name) for name in ("Brightwater", "Millford", "Oakham")
    }
    towns["Lonely"] = make_settlement(region=region, name="Lonely")

    def road(a, b, km):
        a, b = sorted((towns[a], towns[b]), key=lambda s: s.pk)
        return Route.objects.create(world=world, a=a, b=b, distance_km=km)

    roads = [
        road("Brightwater", "Millford", 12),
        road("Millford", "Oakham", 5),
        road("Brightwater", "Oakham", 30),
    ]
    user = make_user(username="ana")
    character = PlayerCharacter.objects.create(
        world=world, owner=user, settlement=towns["Brightwater"], name="Ana"
    )
    _, key = api_token_create(user=user)
    return {
        "world": world,
        "towns": towns,
        "roads": roads,
        "character": character,
        "headers": {"HTTP_AUTHORIZATION": f"Bearer {key}"},
    }


def travel(client, land, settlement_id):
    return client.post(
        "/api/v1/me/travel",
        data={"settlement_id": settlement_id},
        content_type="application/json",
        **land["headers"],
    )


def test_the_shortest_way_goes_round_by_the_mill():
    edges = [(1, 10, 20, 12.0), (2, 20, 30, 5.0), (3, 10, 30, 30.0), (4, 40, 50, 1.0)]

    assert shortest_way(edges, 10, 30) == Way(distance_km=17.0, settlements=(10, 20, 30), routes=(1, 2))
    assert shortest_way(edges, 30, 10) == Way(distance_km=17.0, settlements=(30, 20, 10), routes=(2, 1))
    assert shortest_way(edges, 10, 50) is None


def test_travel_moves_the_character_and_says_how_far(client, land):
    towns, roads = land["towns"], land["roads"]

    response = travel(client, land, towns["Oakham"].pk)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["distance_km"] == 17.0
    assert [s["name"] for s in body["way"]] == ["Brightwater", "Millford", "Oakham"]
    assert body["route_ids"] == [roads[0].pk, roads[1].pk]
    assert (body["origin"]["name"], body["destination"]["name"]) == ("Brightwater", "Oakham")
    assert body["character"]["settlement"] == {"id": towns["Oakham"].pk, "name": "Oakham"}
    assert body["quest_checks"] == [] and body["note"] == ""  # on no quest
    land["character"].refresh_from_db()
    assert land["character"].settlement_id == towns["Oakham"].pk
    me = client.get("/api/v1/me", **land["headers"]).json()
    assert me["characters"][0]["settlement"]["name"] == "Oakham"


def test_a_place_no_route_leads_to_is_refused(client, land):
    response = travel(client, land, land["towns"]["Lonely"].pk)

    detail = UNREACHABLE.format(origin="Brightwater", destination="Lonely", character="Ana")
    assert (response.status_code, response.json()) == (409, {"detail": detail})
    land["character"].refresh_from_db()
    assert land["character"].settlement.name == "Brightwater"


def test_staying_put_is_not_travel(client, land):
    response = travel(client, land, land["towns"]["Brightwater"].pk)

    assert (response.status_code, response.json()) == (
        409,
        {"detail": ALREADY_THERE.format(character="Ana", settlement="Brightwater")},
    )


def test_unknown_places_and_other_worlds_are_not_found(client, land):
    elsewhere = make_settlement(region=make_region(world=make_world(name="Other", slug="other")), name="Far")

    for settlement_id in (999_999, elsewhere.pk):
        response = travel(client, land, settlement_id)
        assert (response.status_code, response.json()) == (
            404,
            {"detail": UNKNOWN_SETTLEMENT.format(settlement_id=settlement_id)},
        )


def test_travel_needs_a_token_and_a_settlement_id(client, land):
    anonymous = client.post("/api/v1/me/travel", data={"settlement_id": 1}, content_type="application/json")
    no_id = client.post("/api/v1/me/travel", data={}, content_type="application/json", **land["headers"])

    assert anonymous.status_code == 401
    assert no_id.status_code == 422
