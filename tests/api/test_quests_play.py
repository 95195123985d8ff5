"""Playing quests through the player API: privacy, accepting, progression, completion, breakage."""

from __future__ import annotations

import time

import pytest

from economy.models import MarketStock
from gmconsole.api import BROKER_DOWN
from npcs.models import Npc, PlayerCharacter
from quests.api import QUEST_NOT_FOUND
from quests.models import Quest, QuestAssignment, QuestHook, QuestObjective, QuestProgress, QuestReviewLog
from quests.play import (
    ALREADY_ACCEPTED,
    quest_accept,
    quest_actions_report,
    quests_flag_broken,
)
from quests.progress import GIVER_DEAD, NOTHING_ADVANCED, ObjectiveState, progress_apply
from quests.services import quest_escrow_reward
from tests.factories import make_item, make_market, make_npc, make_region, make_settlement, make_user
from world.models import ChronicleEntry, Route
from world.services.chronicle import chronicle_record

pytestmark = pytest.mark.django_db

_keys = iter(range(1, 10_000))


def make_quest(*, world, settlement, giver, status=Quest.Status.PUBLISHED, hook=None, reward=50, **kw):
    quest = Quest.objects.create(
        world=world,
        settlement=settlement,
        giver=giver,
        hook=hook,
        status=Quest.Status.DRAFT,
        title=kw.pop("title", "Bread for Brightwater"),
        motivation="comfort",
        reward_cp=reward,
        generation_key=f"test:{next(_keys)}",
        **kw,
    )
    if status == Quest.Status.REJECTED:
        quest.rejection_reason = "Too dull."
    if status in (Quest.Status.PUBLISHED, Quest.Status.COMPLETED):
        quest_escrow_reward(quest=quest)
    Quest.objects.filter(pk=quest.pk).update(status=status, rejection_reason=quest.rejection_reason)
    quest.refresh_from_db()
    return quest


@pytest.fixture
def bread_quest(player):
    """A bread shortage at Brightwater; the baker asks for 3 bread fetched from the mill town."""
    mill = make_settlement(region=player.town.region, name="Millford")
    Route.objects.create(world=player.world, a=player.town, b=mill, distance_km=12)
    baker = make_npc(settlement=player.town, name="Berta the Baker", purse=500, hunger=20)
    miller = make_npc(settlement=mill, name="Otto the Miller")
    bread = make_item(code="bread", name="Bread", base_price=4, is_food=True)
    make_market(settlement=player.town, stocks={bread: (2, 9)})
    make_market(settlement=mill, stocks={bread: (40, 3)})
    cause = chronicle_record(
        world=player.world, tick=0, kind=ChronicleEntry.Kind.ECONOMY, text="Bread ran short in Brightwater."
    )
    hook = QuestHook.objects.create(
        world=player.world,
        kind=QuestHook.Kind.SHORTAGE,
        key="shortage:bread",
        motivation="comfort",
        summary="Brightwater is short of bread.",
        settlement=player.town,
        item=bread,
        giver=baker,
        chronicle_entry=cause,
        detected_tick=0,
        last_seen_tick=0,
        status=QuestHook.Status.DRAFTED,
    )
    quest = make_quest(world=player.world, settlement=player.town, giver=baker, hook=hook, reward=120)
    steps = [
        ("talk", {"npc": baker}, 1, []),
        ("go_to", {"settlement": mill}, 1, ["talk"]),
        ("fetch", {"item": bread, "settlement": mill}, 3, ["go_to"]),
        ("deliver", {"item": bread, "npc": baker}, 3, ["fetch"]),
        ("report", {"npc": baker}, 1, ["deliver"]),
    ]
    for order, (action, refs, quantity, requires) in enumerate(steps):
        QuestObjective.objects.create(
            quest=quest, key=action, order=order, action=action, quantity=quantity, requires=requires, **refs
        )
    return {"quest": quest, "baker": baker, "miller": miller, "mill": mill, "bread": bread, "hook": hook}


def script(q) -> list[dict]:
    baker, mill = q["baker"], q["mill"]
    return [
        {"action": "talk", "npc_id": baker.pk},
        {"action": "go_to", "settlement_id": mill.pk},
        {"action": "fetch", "item_code": "bread", "settlement_id": mill.pk, "quantity": 2},
        {"action": "gather", "item_code": "bread", "settlement_id": mill.pk, "quantity": 1},
        {"action": "deliver", "npc_id": baker.pk, "item_code": "bread", "quantity": 3},
        {"action": "report", "npc_id": baker.pk},
    ]


def other_player(player, name="bo"):
    user = make_user(username=name)
    from gmconsole.services import api_token_create

    character = PlayerCharacter.objects.create(
        world=player.world, owner=user, settlement=player.town, name=name
    )
    _, key = api_token_create(user=user)
    return character, {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# --- Rules (pure) ---------------------------------------------------------------------------


def test_rules_accumulate_quantities_and_ignore_what_is_not_available():
    objectives = [
        ObjectiveState(key="go", action="go_to", settlement_id=5),
        ObjectiveState(key="get", action="gather", item_code="bread", quantity=4, requires=("go",)),
    ]

    early = progress_apply(objectives, [{"action": "gather", "item_code": "bread", "quantity": 4}])
    later = progress_apply(
        objectives,
        [
            {"action": "go_to", "settlement_id": 5},
            {"action": "fetch", "item_code": "bread", "quantity": 3},
            {"action": "dance"},
            {"action": "gather", "item_code": "bread", "quantity": 3},
        ],
    )

    assert early.newly_done == [] and early.steps[0].note == NOTHING_ADVANCED and not early.complete
    assert later.newly_done == ["go", "get"] and later.complete
    assert [s.units for s in later.steps] == [1, 3, 0, 1]  # overshoot is not counted


# --- Privacy --------------------------------------------------------------------------------


def test_list_shows_published_nearby_and_own_never_drafts_rejected_far_or_others(client, player, bread_quest):
    town, baker = player.town, bread_quest["baker"]
    far = make_settlement(region=make_region(world=player.world), name="Faraway")
    draft = make_quest(world=player.world, settlement=town, giver=baker, status=Quest.Status.DRAFT)
    rejected = make_quest(world=player.world, settlement=town, giver=baker, status=Quest.Status.REJECTED)
    distant = make_quest(world=player.world, settlement=far, giver=make_npc(settlement=far, purse=100))
    theirs = make_quest(world=player.world, settlement=town, giver=baker, title="Bo's errand")
    bo, _ = other_player(player)
    quest_accept(quest=theirs, character=bo)
    Quest.objects.filter(pk=theirs.pk).update(status=Quest.Status.COMPLETED)  # published no more
    mine_far = make_quest(world=player.world, settlement=far, giver=distant.giver, reward=10)
    quest_accept(quest=mine_far, character=player.character)

    listed = client.get("/api/v1/quests", **player.headers)

    assert listed.status_code == 200
    assert {q["id"] for q in listed.json()["items"]} == {bread_quest["quest"].pk, mine_far.pk}
    for hidden in (draft, rejected, theirs):
        assert client.get(f"/api/v1/quests/{hidden.pk}", **player.headers).json() == {
            "detail": QUEST_NOT_FOUND
        }
        assert client.post(f"/api/v1/quests/{hidden.pk}/accept", **player.headers).status_code == 404
        acted = client.post(
            f"/api/v1/quests/{hidden.pk}/actions",
            data=[{"action": "talk"}],
            content_type="application/json",
            **player.headers,
        )
        assert acted.status_code == 404
    assert client.get("/api/v1/quests/999999", **player.headers).json() == {"detail": QUEST_NOT_FOUND}


def test_detail_shows_objectives_and_accept_twice_is_a_conflict(client, player, bread_quest):
    quest = bread_quest["quest"]

    detail = client.get(f"/api/v1/quests/{quest.pk}", **player.headers).json()
    first = client.post(f"/api/v1/quests/{quest.pk}/accept", **player.headers)
    second = client.post(f"/api/v1/quests/{quest.pk}/accept", **player.headers)

    assert [o["key"] for o in detail["objectives"]] == ["talk", "go_to", "fetch", "deliver", "report"]
    assert detail["objectives"][2]["item_code"] == "bread" and detail["objectives"][2]["quantity"] == 3
    assert first.status_code == 201 and first.json()["status"] == "active"
    assert second.status_code == 409
    assert second.json() == {"detail": ALREADY_ACCEPTED.format(quest=quest.pk)}


# --- Progression and completion -------------------------------------------------------------


def test_out_of_order_action_advances_nothing(player, bread_quest):
    assignment = quest_accept(quest=bread_quest["quest"], character=player.character)
    PlayerCharacter.objects.filter(pk=player.character.pk).update(
        settlement=bread_quest["mill"]
    )  # there, early

    result = quest_actions_report(
        assignment=assignment, actions=[{"action": "go_to", "settlement_id": bread_quest["mill"].pk}]
    )

    assert result.newly_done == [] and result.steps[0]["note"] == NOTHING_ADVANCED
    assert QuestProgress.objects.get(assignment=assignment).objective is None
    assert not QuestObjective.objects.filter(quest=bread_quest["quest"], status="done").exists()


def test_scripted_play_completes_pays_from_escrow_and_relieves_the_shortage(player, bread_quest):
    quest, baker = bread_quest["quest"], bread_quest["baker"]
    player.world.current_tick = 42
    player.world.save(update_fields=["current_tick"])
    baker.refresh_from_db()
    money_before = baker.purse + quest.escrow_cp + player.character.purse
    stock = MarketStock.objects.get(market__settlement=player.town, item=bread_quest["bread"])
    assignment = quest_accept(quest=quest, character=player.character)
    actions = script(bread_quest)
    PlayerCharacter.objects.filter(pk=player.character.pk).update(
        settlement=bread_quest["mill"]
    )  # been there

    first = quest_actions_report(assignment=assignment, actions=actions[:3])
    rest = quest_actions_report(assignment=assignment, actions=actions[3:])

    assert first.newly_done == ["talk", "go_to"] and not first.complete
    assert rest.newly_done == ["fetch", "deliver", "report"] and rest.complete and rest.reward_paid == 120
    quest.refresh_from_db()
    baker.refresh_from_db()
    player.character.refresh_from_db()
    assert quest.status == Quest.Status.COMPLETED and quest.escrow_cp == 0
    assert player.character.purse == 1000 + 120
    assert baker.purse + quest.escrow_cp + player.character.purse == money_before  # money moved, not made
    assert set(QuestObjective.objects.filter(quest=quest).values_list("status", "done_tick")) == {
        ("done", 42)
    }
    stock.refresh_from_db()
    assert stock.quantity == 2 + 3
    bread_quest["hook"].refresh_from_db()
    assert bread_quest["hook"].status == QuestHook.Status.RESOLVED
    entry = ChronicleEntry.objects.get(pk=rest.chronicle_id)
    assert "Ana the Bold" in entry.text and "Bread" in entry.text and entry.tick == 42
    assert list(entry.causes.all()) == [bread_quest["hook"].chronicle_entry]
    assert QuestAssignment.objects.get(pk=assignment.pk).status == QuestAssignment.Status.COMPLETED
    # The deed lifts the town's spirits: a small quest-completion event whose cause is the deed.
    from world.models import WorldEvent

    event = WorldEvent.objects.get(quest=quest)
    assert (event.kind, event.origin, event.settlement_id, event.status) == (
        "quest",
        "quest",
        entry.settlement_id,
        "pending",
    )
    assert event.summary["cause_entry_id"] == entry.pk


def test_a_quest_whose_giver_died_is_flagged_broken(player, bread_quest):
    quest = bread_quest["quest"]
    Npc.objects.filter(pk=bread_quest["baker"].pk).update(is_alive=False)

    flagged = quests_flag_broken(world=player.world)

    quest.refresh_from_db()
    assert flagged == [quest.pk] and quest.status == Quest.Status.BROKEN
    log = QuestReviewLog.objects.get(quest=quest)
    assert log.action == "flag" and log.user is None and GIVER_DEAD in log.note


# --- The 202 route --------------------------------------------------------------------------


def test_actions_answer_202_and_dispatch_after_commit(
    client, player, bread_quest, django_capture_on_commit_callbacks
):
    quest = bread_quest["quest"]
    quest_accept(quest=quest, character=player.character)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            f"/api/v1/quests/{quest.pk}/actions",
            data=script(bread_quest)[:1],
            content_type="application/json",
            **player.headers,
        )

    assert response.status_code == 202 and len(callbacks) == 1
    assert response.json()["status_url"].endswith(f"/api/v1/tasks/{response.json()['task_id']}")
    quest.refresh_from_db()
    assert quest.task_ids[-1] == response.json()["task_id"]  # the GM finds the result from the quest


def test_actions_on_a_quest_not_accepted_is_a_conflict(client, player, bread_quest):
    response = client.post(
        f"/api/v1/quests/{bread_quest['quest'].pk}/actions",
        data=[{"action": "talk"}],
        content_type="application/json",
        **player.headers,
    )

    assert response.status_code == 409


@pytest.mark.django_db(transaction=True)
def test_actions_with_the_broker_down_is_503(client, player, bread_quest, dead_broker):
    quest_accept(quest=bread_quest["quest"], character=player.character)

    response = client.post(
        f"/api/v1/quests/{bread_quest['quest'].pk}/actions",
        data=[{"action": "talk"}],
        content_type="application/json",
        **player.headers,
    )

    assert (response.status_code, response.json()) == (503, {"detail": BROKER_DOWN})


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_worker_completes_the_quest_reported_through_the_api(
    client, player, bread_quest, celery_worker_process
):
    quest = bread_quest["quest"]
    assert client.post(f"/api/v1/quests/{quest.pk}/accept", **player.headers).status_code == 201
    PlayerCharacter.objects.filter(pk=player.character.pk).update(
        settlement=bread_quest["mill"]
    )  # been there

    response = client.post(
        f"/api/v1/quests/{quest.pk}/actions",
        data=script(bread_quest),
        content_type="application/json",
        **player.headers,
    )
    status_url = response.json()["status_url"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get(status_url, **player.headers).json()
        if status["state"] in ("SUCCESS", "FAILURE"):
            break
        time.sleep(0.1)

    assert status["state"] == "SUCCESS" and status["name"] == "quests.monitor_progression"
    assert status["result"]["complete"] is True and status["result"]["reward_paid"] == 120
    quest.refresh_from_db()
    assert quest.status == Quest.Status.COMPLETED
    assert client.get("/api/v1/me", **player.headers).json()["characters"][0]["purse"] == 1120


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/quests"),
        ("get", "/quests/{id}"),
        ("post", "/quests/{id}/accept"),
        ("post", "/quests/{id}/actions"),
    ],
)
def test_every_quest_route_needs_a_token(client, bread_quest, method, path):
    response = getattr(client, method)("/api/v1" + path.format(id=bread_quest["quest"].pk))

    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})


def test_the_scheduled_scan_flags_a_quest_whose_giver_died(player, bread_quest):
    from quests.tasks import scan_hooks_task

    quest = bread_quest["quest"]
    Npc.objects.filter(pk=bread_quest["baker"].pk).update(is_alive=False)

    summary = scan_hooks_task(player.world.pk)

    quest.refresh_from_db()
    assert summary["broken_quests"] == [quest.pk]
    assert quest.status == Quest.Status.BROKEN
