"""GET /me and GET /tasks/{id}."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from django_celery_results.models import TaskResult

from gmconsole.api import NO_SUCH_TASK
from gmconsole.services import player_task_record
from npcs.models import PlayerCharacter
from tests.factories import make_region, make_settlement, make_user, make_world

pytestmark = pytest.mark.django_db


def test_me_lists_the_players_characters_and_where_they_are(client, player):
    other_world = make_world(name="Zeth", slug="zeth")
    far_town = make_settlement(region=make_region(world=other_world, name="Far Reach"), name="Farport")
    second = PlayerCharacter.objects.create(
        world=other_world, owner=player.user, settlement=far_town, name="Ana II", purse=15
    )

    response = client.get("/api/v1/me", **player.headers)

    assert response.status_code == 200
    town = player.town
    assert response.json() == {
        "username": "ana",
        "characters": [
            {
                "id": player.character.pk,
                "name": "Ana the Bold",
                "purse": 1000,
                "world": {"id": player.world.pk, "slug": "mones", "name": "Mones"},
                "settlement": {"id": town.pk, "name": "Brightwater"},
                "region": {"id": town.region_id, "name": "Northmarch"},
            },
            {
                "id": second.pk,
                "name": "Ana II",
                "purse": 15,
                "world": {"id": other_world.pk, "slug": "zeth", "name": "Zeth"},
                "settlement": {"id": far_town.pk, "name": "Farport"},
                "region": {"id": far_town.region_id, "name": "Far Reach"},
            },
        ],
    }


def test_task_status_reads_the_result_row(client, player):
    done = datetime(2026, 12, 3, 14, 0, 5, tzinfo=UTC)
    row = TaskResult.objects.create(
        task_id="6f1c3c1e-0000-4000-8000-000000000001",
        task_name="economy.update_market_prices",
        status="SUCCESS",
        result=json.dumps({"markets": 4, "tick": 12}),
        content_type="application/json",
        content_encoding="utf-8",
    )
    TaskResult.objects.filter(pk=row.pk).update(date_done=done)  # date_done is auto_now on save
    player_task_record(user=player.user, task_id=row.task_id, name="prices")

    response = client.get(f"/api/v1/tasks/{row.task_id}", **player.headers)

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": row.task_id,
        "state": "SUCCESS",
        "name": "economy.update_market_prices",
        "result": {"markets": 4, "tick": 12},
        "date_created": body["date_created"],
        "date_done": "2026-12-03T14:00:05Z",
    }
    assert body["date_created"] is not None


def test_task_status_of_a_failed_task_shows_the_error(client, player):
    error = {"exc_type": "ValueError", "exc_message": ["no such market"], "exc_module": "builtins"}
    row = TaskResult.objects.create(
        task_id=str(uuid.uuid4()),
        task_name="npcs.observe",
        status="FAILURE",
        result=json.dumps(error),
        content_type="application/json",
        content_encoding="utf-8",
        traceback="Traceback (most recent call last): ...",
    )
    player_task_record(user=player.user, task_id=row.task_id, name="observe")

    body = client.get(f"/api/v1/tasks/{row.task_id}", **player.headers).json()

    assert (body["state"], body["result"]) == ("FAILURE", error)
    assert "traceback" not in body


def test_a_task_not_yet_picked_up_is_pending(client, player):
    task_id = str(uuid.uuid4())
    player_task_record(user=player.user, task_id=task_id, name="look-around")

    response = client.get(f"/api/v1/tasks/{task_id}", **player.headers)

    assert response.status_code == 200
    assert response.json() == {
        "id": task_id,
        "state": "PENDING",
        "name": None,
        "result": None,
        "date_created": None,
        "date_done": None,
    }


def test_unknown_tasks_and_other_peoples_tasks_are_404(client, player):
    gm_task = TaskResult.objects.create(
        task_id=str(uuid.uuid4()), task_name="world.tick_finish", status="SUCCESS"
    )
    someone_else = make_user(username="bob")
    theirs = str(uuid.uuid4())
    player_task_record(user=someone_else, task_id=theirs, name="look-around")

    for task_id in (gm_task.task_id, theirs, "not-a-task-id"):
        response = client.get(f"/api/v1/tasks/{task_id}", **player.headers)
        assert response.status_code == 404
        assert response.json() == {"detail": NO_SUCH_TASK.format(task_id=task_id)}


def test_docs_and_schema_answer_without_a_token(client):
    docs = client.get("/api/v1/docs")
    schema = client.get("/api/v1/openapi.json")

    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    assert schema.status_code == 200
    assert (schema.json()["info"]["title"], schema.json()["info"]["version"]) == ("gmconsole player API", "1")
