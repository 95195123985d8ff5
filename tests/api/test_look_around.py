"""POST /me/look-around: the 202 pattern, and what happens while npcs.services is not there yet."""

import sys
import types

import pytest

from gmconsole.api import BROKER_DOWN, LOOK_AROUND_UNAVAILABLE, OBSERVE_DISPATCH
from gmconsole.celery import app as celery_app
from npcs.api import NO_CHARACTER_IN_WORLD, WHICH_WORLD
from npcs.models import PlayerCharacter
from tests.factories import make_region, make_settlement, make_world

pytestmark = pytest.mark.django_db

# A queue no worker consumes: the probe message stays on the broker and is never run.
PROBE_QUEUE = "api-test-probe"
DEAD_BROKER = "redis://127.0.0.1:1/0"


def install_npcs_services(monkeypatch, dispatch=None):
    """Stands in for npcs.services (written by the lead) for the length of one test."""
    module = types.ModuleType("npcs.services")
    if dispatch is not None:
        setattr(module, OBSERVE_DISPATCH, dispatch)
    monkeypatch.setitem(sys.modules, "npcs.services", module)


def test_without_the_dispatch_service_the_route_says_501(client, player, monkeypatch):
    install_npcs_services(monkeypatch)

    response = client.post("/api/v1/me/look-around", **player.headers)

    assert response.status_code == 501
    assert response.json() == {"detail": LOOK_AROUND_UNAVAILABLE}


def test_dispatch_answers_202_with_a_status_url_that_answers(client, player, monkeypatch):
    seen = []

    def character_observe_dispatch(*, character):
        seen.append(character.pk)
        return celery_app.send_task("npcs.observe_probe", args=[character.pk], queue=PROBE_QUEUE)

    install_npcs_services(monkeypatch, character_observe_dispatch)

    response = client.post("/api/v1/me/look-around", **player.headers)

    assert response.status_code == 202
    body = response.json()
    assert seen == [player.character.pk]
    assert body["status_url"] == f"http://testserver/api/v1/tasks/{body['task_id']}"
    assert response["Location"] == body["status_url"]
    status = client.get(body["status_url"], **player.headers)
    assert status.json()["state"] == "PENDING"


def test_broker_down_is_503_not_500(client, player, monkeypatch):
    def character_observe_dispatch(*, character):
        with celery_app.connection_for_write(DEAD_BROKER) as connection:
            return celery_app.send_task("npcs.observe_probe", args=[character.pk], connection=connection)

    install_npcs_services(monkeypatch, character_observe_dispatch)

    response = client.post("/api/v1/me/look-around", **player.headers)

    assert response.status_code == 503
    assert response.json() == {"detail": BROKER_DOWN}


def test_a_player_in_several_worlds_must_say_which(client, player, monkeypatch):
    install_npcs_services(monkeypatch, lambda *, character: "task-for-" + character.world.slug)
    zeth = make_world(slug="zeth")
    PlayerCharacter.objects.create(
        world=zeth, owner=player.user, settlement=make_settlement(region=make_region(world=zeth)), name="Ana II"
    )

    unsure = client.post("/api/v1/me/look-around", **player.headers)
    chosen = client.post("/api/v1/me/look-around?world=zeth", **player.headers)
    unknown = client.post("/api/v1/me/look-around?world=nowhere", **player.headers)

    assert (unsure.status_code, unsure.json()) == (400, {"detail": WHICH_WORLD.format(worlds="mones, zeth")})
    assert (chosen.status_code, chosen.json()["task_id"]) == (202, "task-for-zeth")
    assert (unknown.status_code, unknown.json()) == (404, {"detail": NO_CHARACTER_IN_WORLD.format(world="nowhere")})
