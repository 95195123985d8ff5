"""Issue 3's promise on the real demo world: troubles become drafts; a player finishes quests via the API
alone, travelling over the routes to where each objective happens (positions are checked)."""

import time

import pytest
from django.core.management import call_command
from django.test import Client

from economy.models import MarketStock
from gmconsole.services import api_token_create
from npcs.models import PlayerCharacter
from quests.generation import quest_objectives_populate, quest_plot_generate
from quests.models import Quest, QuestHook
from quests.review import quest_approve
from quests.services import hooks_scan
from tests.factories import make_user
from world.models import ChronicleEntry, World
from world.services.ticks import tick_run_inline

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

TICKS = 200
SCAN_EVERY = 25


def _wait(client: Client, headers: dict, status_url: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(status_url, **headers).json()
        if status["state"] in ("SUCCESS", "FAILURE"):
            break
        time.sleep(0.2)
    assert status["state"] == "SUCCESS", status
    return status["result"]


def _report(client: Client, headers: dict, quest_id: int, actions: list[dict]) -> None:
    if not actions:
        return
    posted = client.post(
        f"/api/v1/quests/{quest_id}/actions", data=actions, content_type="application/json", **headers
    )
    assert posted.status_code == 202, posted.content
    result = _wait(client, headers, posted.json()["status_url"])
    assert result.get("refused") == [], result  # the player was where they said


def play(client: Client, headers: dict, quest_id: int, start: int) -> dict:
    """A scripted player: read the quest, accept it, and for each objective (in the order they can be
    done) travel where it happens, then report it; wait for the worker after each report."""
    listed = client.get("/api/v1/quests", {"page_size": 100}, **headers).json()["items"]
    assert quest_id in [q["id"] for q in listed], listed
    detail = client.get(f"/api/v1/quests/{quest_id}", **headers).json()
    assert client.post(f"/api/v1/quests/{quest_id}/accept", **headers).status_code == 201
    here, pending = start, []
    for objective in detail["objectives"]:  # listed in the order they can be done
        action = {"action": objective["action"], "quantity": objective["quantity"]}
        if objective["settlement"]:
            action["settlement_id"] = objective["settlement"]["id"]
            if action["settlement_id"] != here:  # report what was done here, then go there
                _report(client, headers, quest_id, pending)
                pending = []
                moved = client.post(
                    "/api/v1/me/travel",
                    data={"settlement_id": action["settlement_id"]},
                    content_type="application/json",
                    **headers,
                )
                assert moved.status_code == 200, moved.content
                here = action["settlement_id"]
                for check in moved.json()["quest_checks"]:
                    _wait(client, headers, check["status_url"])
        if objective["npc"]:
            action["npc_id"] = objective["npc"]["id"]
        if objective["item_code"]:
            action["item_code"] = objective["item_code"]
        if objective["route_id"]:
            action["route_id"] = objective["route_id"]
        pending.append(action)
    _report(client, headers, quest_id, pending)
    return client.get(f"/api/v1/quests/{quest_id}", **headers).json()


def test_two_hundred_ticks_of_mones_give_drafts_and_a_player_completes_three(
    mones_path, celery_worker_process
):
    # given Mones at 1 NPC per 1,000 people, living 200 game hours with a hook scan now and then
    call_command("import_items", verbosity=0)
    call_command("import_world", str(mones_path), "--people-per-npc", "1000", verbosity=0)
    world = World.objects.get()
    for tick in range(1, TICKS + 1):
        tick_run_inline(world=world)
        if tick % SCAN_EVERY == 0:
            hooks_scan(world=world)

    # when the narrator (the template: no LLM key in tests) drafts a quest for every open trouble
    for hook in QuestHook.objects.filter(world=world, status=QuestHook.Status.OPEN):
        quest_objectives_populate(quest=quest_plot_generate(hook=hook))

    # then there are at least 10 valid drafts, each tied to a real trouble of the world
    drafts = list(Quest.objects.filter(world=world, status=Quest.Status.DRAFT).select_related("hook"))
    assert len(drafts) >= 10, Quest.objects.filter(world=world).values_list("status", "error")
    assert all(q.is_valid and q.hook.facts and (q.hook.settlement_id or q.hook.route_id) for q in drafts)

    # and a player completes three approved quests through the API alone
    gm = make_user(username="gm", is_staff=True)
    chosen = sorted(drafts, key=lambda q: (q.hook.kind != "shortage", q.pk))[:3]
    client = Client()
    for n, quest in enumerate(chosen):
        quest_approve(quest=quest, user=gm)
        user = make_user(username=f"player{n}")
        start = quest.settlement or quest.giver.settlement
        character = PlayerCharacter.objects.create(
            world=world, owner=user, settlement=start, name=f"Hero {n}", purse=0
        )
        _, key = api_token_create(user=user)
        stock_before = None
        if quest.hook.kind == "shortage":
            stock_before = MarketStock.objects.get(
                market__settlement=quest.hook.settlement, item=quest.hook.item
            ).quantity

        finished = play(client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}, quest.pk, start.pk)

        # the world changed: the quest is done, the reward paid, the trouble relieved and recorded
        assert finished["status"] == "completed", finished
        character.refresh_from_db()
        assert character.purse == quest.reward_cp
        quest.hook.refresh_from_db()
        assert quest.hook.status == QuestHook.Status.RESOLVED
        assert ChronicleEntry.objects.filter(world=world, kind="quest", text__contains=quest.title).exists()
        if stock_before is not None:
            stock_after = MarketStock.objects.get(
                market__settlement=quest.hook.settlement, item=quest.hook.item
            )
            assert stock_after.quantity > stock_before
