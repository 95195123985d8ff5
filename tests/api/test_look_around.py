"""POST /me/look-around: the 202 pattern, end to end through a real worker, and a broker that is down."""

import time

import pytest

from gmconsole.api import BROKER_DOWN
from npcs.api import NO_CHARACTER_IN_WORLD, WHICH_WORLD
from npcs.models import PlayerCharacter
from tests.factories import make_region, make_settlement, make_world


@pytest.mark.django_db
def test_dispatch_answers_202_with_a_status_url_after_commit(
    client, player, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/api/v1/me/look-around", **player.headers)

    assert response.status_code == 202 and len(callbacks) == 1
    body = response.json()
    assert body["status_url"] == f"http://testserver/api/v1/tasks/{body['task_id']}"
    assert response["Location"] == body["status_url"]
    status = client.get(body["status_url"], **player.headers)
    assert status.json()["state"] == "PENDING"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_worker_answers_and_the_status_url_shows_the_result(client, player, celery_worker_process):
    response = client.post("/api/v1/me/look-around", **player.headers)
    status_url = response.json()["status_url"]

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get(status_url, **player.headers).json()
        if status["state"] == "SUCCESS":
            break
        time.sleep(0.1)

    assert status["state"] == "SUCCESS" and status["name"] == "npcs.character_observe"
    assert status["result"]["settlement"] == "Brightwater"
    assert "there is no market here" in status["result"]["observations"]


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: the message is sent inside the view
def test_broker_down_is_503_not_500(client, player, dead_broker):
    response = client.post("/api/v1/me/look-around", **player.headers)

    assert response.status_code == 503
    assert response.json() == {"detail": BROKER_DOWN}


@pytest.mark.django_db
def test_a_player_in_several_worlds_must_say_which(client, player):
    zeth = make_world(slug="zeth")
    PlayerCharacter.objects.create(
        world=zeth,
        owner=player.user,
        settlement=make_settlement(region=make_region(world=zeth)),
        name="Ana II",
    )

    unsure = client.post("/api/v1/me/look-around", **player.headers)
    chosen = client.post("/api/v1/me/look-around?world=zeth", **player.headers)
    unknown = client.post("/api/v1/me/look-around?world=nowhere", **player.headers)

    assert (unsure.status_code, unsure.json()) == (400, {"detail": WHICH_WORLD.format(worlds="mones, zeth")})
    assert chosen.status_code == 202
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"detail": NO_CHARACTER_IN_WORLD.format(world="nowhere")},
    )
