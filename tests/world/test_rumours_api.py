"""GET /api/v1/npcs/{id}/rumours: a player asks an NPC of their settlement what it has heard."""

import pytest

from gmconsole.services import api_token_create
from npcs.models import Npc, PlayerCharacter
from tests.factories import make_npc, make_region, make_settlement, make_user, make_world
from world.api import NPC_ELSEWHERE, NPC_IS_DEAD, NPC_NOT_FOUND
from world.models import Route, World
from world.rumours.services import rumour_start, rumours_spread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def town_talk():
    """Brightwater (the player's town, 6 NPCs) linked by road to Searing, where a flood is told."""
    world = make_world(name="Mones", slug="mones")
    region = make_region(world=world)
    here = make_settlement(region=region, name="Brightwater")
    there = make_settlement(region=region, name="Searing")
    Route.objects.create(
        world=world,
        a=min(here, there, key=lambda s: s.pk),
        b=max(here, there, key=lambda s: s.pk),
        distance_km=30,
    )
    locals_ = [make_npc(settlement=here, name=f"Local {i}") for i in range(6)]
    teller = make_npc(settlement=there, name="Mira Vell", profession="merchant")
    user = make_user(username="ana")
    PlayerCharacter.objects.create(world=world, owner=user, settlement=here, name="Ana the Bold")
    _, key = api_token_create(user=user)
    return world, here, there, locals_, teller, {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_an_npc_tells_the_player_its_own_version_and_who_told_it(client, town_talk):
    world, here, there, locals_, teller, headers = town_talk
    World.objects.filter(pk=world.pk).update(current_tick=3)
    rumour = rumour_start(
        world=world, source_npc=teller, details={"what": "a flood", "place": "Searing", "deaths": 12}
    )
    for tick in range(4, 40):
        rumours_spread(world=world, tick=tick)
    hearing = (
        rumour.hearings.filter(settlement=here)
        .select_related("npc", "heard_from")
        .order_by("hops", "id")
        .first()
    )
    assert hearing is not None  # the merchant's news reached the player's town

    response = client.get(f"/api/v1/npcs/{hearing.npc_id}/rumours", **headers)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "npc": {"id": hearing.npc_id, "name": hearing.npc.name},
        "settlement": {"id": here.pk, "name": "Brightwater"},
        "rumours": [
            {
                "rumour_id": rumour.pk,
                "text": hearing.text,
                "details": hearing.details,
                "heard_tick": hearing.heard_tick,
                "belief": hearing.belief,
                "hops": hearing.hops,
                "heard_from": {"id": hearing.heard_from_id, "name": hearing.heard_from.name},
            }
        ],
    }
    assert hearing.hops >= 1 and 4 <= hearing.heard_tick and hearing.belief < 1.0
    assert hearing.text.startswith(("A flood at Searing: deaths", "A flood at Brightwater: deaths"))


def test_an_npc_who_heard_nothing_says_so(client, town_talk):
    _, here, _, locals_, _, headers = town_talk

    response = client.get(f"/api/v1/npcs/{locals_[0].pk}/rumours", **headers)

    assert response.status_code == 200
    assert response.json()["rumours"] == [] and response.json()["settlement"]["name"] == "Brightwater"


def test_the_player_must_be_where_the_npc_is(client, town_talk):
    _, _, _, _, teller, headers = town_talk

    response = client.get(f"/api/v1/npcs/{teller.pk}/rumours", **headers)

    assert response.status_code == 403
    assert response.json() == {
        "detail": NPC_ELSEWHERE.format(
            npc="Mira Vell", settlement="Searing", character="Ana the Bold", here="Brightwater"
        )
    }


def test_npcs_of_other_worlds_unknown_or_dead_are_not_found(client, town_talk):
    _, _, _, locals_, _, headers = town_talk
    elsewhere = make_npc(settlement=make_settlement(region=make_region(world=make_world())))
    Npc.objects.filter(pk=locals_[1].pk).update(is_alive=False)

    foreign = client.get(f"/api/v1/npcs/{elsewhere.pk}/rumours", **headers)
    unknown = client.get("/api/v1/npcs/999999/rumours", **headers)
    dead = client.get(f"/api/v1/npcs/{locals_[1].pk}/rumours", **headers)

    assert (foreign.status_code, foreign.json()) == (404, {"detail": NPC_NOT_FOUND})
    assert (unknown.status_code, unknown.json()) == (404, {"detail": NPC_NOT_FOUND})
    assert (dead.status_code, dead.json()) == (404, {"detail": NPC_IS_DEAD.format(npc="Local 1")})


def test_no_token_no_gossip(client, town_talk):
    _, _, _, locals_, _, _ = town_talk

    response = client.get(f"/api/v1/npcs/{locals_[0].pk}/rumours")

    assert response.status_code == 401
