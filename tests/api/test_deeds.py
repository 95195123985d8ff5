"""Players' deeds set off small events where their character stands; players see events in force."""

import pytest

from world.models import WorldEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_festival_deed_queues_a_small_event_at_the_characters_town(player, client, celery_worker_process):
    answer = client.post(
        "/api/v1/me/deeds",
        data={"kind": "festival", "title": "Ana pays for the ale"},
        content_type="application/json",
        **player.headers,
    )
    assert answer.status_code == 202, answer.content
    body = answer.json()
    event = WorldEvent.objects.get(pk=body["event_id"])
    assert (event.kind, event.settlement_id, event.severity, event.origin) == (
        "festival",
        player.town.pk,
        2,
        "player",
    )
    assert body["settlement"] == "Brightwater" and body["title"] == "Ana pays for the ale"
    import time

    deadline = time.monotonic() + 30
    while (
        time.monotonic() < deadline
        and client.get(body["status_url"], **player.headers).json()["state"] != "SUCCESS"
    ):
        time.sleep(0.2)
    assert client.get(body["status_url"], **player.headers).json()["state"] == "SUCCESS"
    listed = client.get("/api/v1/events", **player.headers).json()
    assert listed["count"] == 1
    assert [(e["title"], e["settlement"]) for e in listed["items"]] == [
        ("Ana pays for the ale", "Brightwater")
    ]
    # One deed at a time: the next one waits until this one is over.
    again = client.post(
        "/api/v1/me/deeds", data={"kind": "fire"}, content_type="application/json", **player.headers
    )
    assert again.status_code == 409 and "still being felt" in again.json()["detail"]


def test_players_cannot_start_wars_or_floods(player, client):
    for kind in ("war", "flood", "plague", "nonsense"):
        answer = client.post(
            "/api/v1/me/deeds", data={"kind": kind}, content_type="application/json", **player.headers
        )
        assert answer.status_code == 400 and "festival, fire, custom" in answer.json()["detail"]
    assert not WorldEvent.objects.exists()


def test_a_deed_made_while_the_broker_is_down_is_kept_for_later(player, client, dead_broker):
    answer = client.post(
        "/api/v1/me/deeds", data={"kind": "fire"}, content_type="application/json", **player.headers
    )
    assert answer.status_code == 503 and "kept" in answer.json()["detail"]
    event = WorldEvent.objects.get()
    assert event.status == "pending" and event.kind == "fire"
    assert client.get("/api/v1/events", headers={}).status_code == 401
