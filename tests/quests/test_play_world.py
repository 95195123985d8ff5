"""World-driven progression: where the character is counts, what the world did is seen.

Go/explore objectives are done by being there (checked by the progression task); reports that
claim another place are refused; a restocked market leaves a delivery owed but the quest whole;
a dead NPC target breaks the quest.
"""

from __future__ import annotations

import pytest

from economy.models import MarketStock
from npcs.models import Npc, PlayerCharacter
from quests.models import Quest, QuestObjective, QuestProgress
from quests.play import quest_accept, quest_actions_report, quests_flag_broken
from quests.progress import (
    ALREADY_DONE,
    NOT_THERE,
    NOTHING_ADVANCED,
    NPC_GONE,
    SEEN_THERE,
    ObjectiveState,
    progress_apply,
)
from quests.tasks.play import monitor_quest_progression_task

pytestmark = pytest.mark.django_db

GO, FETCH = (
    ObjectiveState(key="go", action="go_to", settlement_id=5),
    ObjectiveState(
        key="get", action="fetch", item_code="bread", settlement_id=5, quantity=2, requires=("go",)
    ),
)


def move(character, settlement) -> None:
    PlayerCharacter.objects.filter(pk=character.pk).update(settlement=settlement)


# --- The rules (pure) -----------------------------------------------------------------------


def test_being_there_does_a_go_to_objective_without_a_report():
    there = progress_apply([GO, FETCH], [], position=5)
    elsewhere = progress_apply([GO, FETCH], [], position=6)

    assert there.newly_done == ["go"] and there.steps[0].observed
    assert there.steps[0].note == SEEN_THERE.format(position=5)
    assert elsewhere.newly_done == [] and elsewhere.steps == []


def test_a_report_naming_another_place_is_refused():
    outcome = progress_apply(
        [GO, FETCH],
        [
            {"action": "go_to", "settlement_id": 5},
            {"action": "fetch", "item_code": "bread", "settlement_id": 5},
        ],
        position=6,
    )

    assert outcome.newly_done == [] and len(outcome.refused) == 2
    assert outcome.refused[0].note == NOT_THERE.format(position=6, claimed=5)


def test_without_a_position_reports_are_taken_on_the_players_word():
    outcome = progress_apply([GO], [{"action": "go_to", "settlement_id": 5}])

    assert outcome.newly_done == ["go"] and not outcome.refused


def test_reporting_what_the_world_already_saw_says_so():
    outcome = progress_apply([GO, FETCH], [{"action": "go_to", "settlement_id": 5}], position=5)

    assert [s.note for s in outcome.steps] == [SEEN_THERE.format(position=5), ALREADY_DONE]


# --- The progression task -------------------------------------------------------------------


def test_travelling_there_does_the_go_to_objective(
    client, player, bread_quest, django_capture_on_commit_callbacks
):
    quest, mill = bread_quest["quest"], bread_quest["mill"]
    assignment = quest_accept(quest=quest, character=player.character)
    quest_actions_report(
        assignment=assignment, actions=[{"action": "talk", "npc_id": bread_quest["baker"].pk}]
    )

    with django_capture_on_commit_callbacks(execute=False) as sent:
        moved = client.post(
            "/api/v1/me/travel",
            data={"settlement_id": mill.pk},
            content_type="application/json",
            **player.headers,
        )
    checks = moved.json()["quest_checks"]
    result = monitor_quest_progression_task(quest.pk, [], character_id=player.character.pk)

    assert moved.status_code == 200 and len(sent) == 1
    assert [c["quest_id"] for c in checks] == [quest.pk]
    quest.refresh_from_db()
    assert checks[0]["task_id"] in quest.task_ids  # the GM finds the check from the quest
    assert client.get(checks[0]["status_url"], **player.headers).status_code == 200  # the player may poll it
    assert result["newly_done"] == ["go_to"] and result["position"] == mill.pk
    assert result["steps"] == [
        {
            "objective": "go_to",
            "units": 1,
            "done": True,
            "note": SEEN_THERE.format(position=mill.pk),
            "observed": True,
            "refused": False,
        }
    ]
    seen = QuestProgress.objects.get(assignment=assignment, objective__key="go_to")
    assert (seen.source, seen.report) == ("world", None)
    assert QuestObjective.objects.get(quest=quest, key="go_to").status == "done"


def test_claiming_to_be_elsewhere_is_refused_in_the_task_result(player, bread_quest):
    quest, mill, town = bread_quest["quest"], bread_quest["mill"], player.town
    quest_accept(quest=quest, character=player.character)
    claim = [
        {"action": "talk", "npc_id": bread_quest["baker"].pk},
        {"action": "go_to", "settlement_id": mill.pk},
        {"action": "fetch", "item_code": "bread", "settlement_id": mill.pk, "quantity": 3},
    ]

    result = monitor_quest_progression_task(quest.pk, claim, character_id=player.character.pk)

    reason = NOT_THERE.format(position=town.pk, claimed=mill.pk)
    assert result["newly_done"] == ["talk"]
    assert result["refused"] == [
        {"action": claim[1], "reason": reason},
        {"action": claim[2], "reason": reason},
    ]
    assert [s["refused"] for s in result["steps"]] == [False, True, True]
    assert set(QuestObjective.objects.filter(quest=quest, status="done").values_list("key", flat=True)) == {
        "talk"
    }


def test_a_restocked_market_leaves_the_delivery_owed_and_the_quest_whole(player, bread_quest):
    quest, baker = bread_quest["quest"], bread_quest["baker"]
    move(player.character, bread_quest["mill"])
    assignment = quest_accept(quest=quest, character=player.character)
    quest_actions_report(
        assignment=assignment,
        actions=[
            {"action": "talk", "npc_id": baker.pk},
            {"action": "fetch", "item_code": "bread", "settlement_id": bread_quest["mill"].pk, "quantity": 3},
        ],
    )
    # meanwhile traders bring Brightwater all the bread it can eat
    short = MarketStock.objects.filter(market__settlement=player.town, item=bread_quest["bread"])
    short.update(quantity=400)

    flagged = quests_flag_broken(world=player.world)
    checked = monitor_quest_progression_task(quest.pk, [], character_id=player.character.pk)

    quest.refresh_from_db()
    assert flagged == [] and quest.status == Quest.Status.PUBLISHED
    assert "broken" not in checked and checked["newly_done"] == []
    assert QuestObjective.objects.get(quest=quest, key="deliver").status == "pending"
    # ... and it can still be finished: the baker gets the bread they asked for
    done = quest_actions_report(
        assignment=assignment,
        actions=[
            {"action": "deliver", "npc_id": baker.pk, "item_code": "bread", "quantity": 3},
            {"action": "report", "npc_id": baker.pk},
        ],
    )
    assert done.complete and short.get().quantity == 403


def test_an_npc_target_who_died_breaks_the_quest(player, bread_quest):
    quest, miller = bread_quest["quest"], bread_quest["miller"]
    QuestObjective.objects.create(
        quest=quest, key="listen", order=9, action="listen", npc=miller, requires=["talk"]
    )
    quest_accept(quest=quest, character=player.character)
    Npc.objects.filter(pk=miller.pk).update(is_alive=False)

    result = monitor_quest_progression_task(quest.pk, [{"action": "talk"}], character_id=player.character.pk)

    quest.refresh_from_db()
    assert result["broken"] == [{"code": NPC_GONE, "objective": "listen", "npc_id": miller.pk}]
    assert quest.status == Quest.Status.BROKEN


def test_an_out_of_order_claim_at_the_right_place_advances_nothing(player, bread_quest):
    move(player.character, bread_quest["mill"])
    assignment = quest_accept(quest=bread_quest["quest"], character=player.character)

    result = quest_actions_report(
        assignment=assignment,
        actions=[{"action": "fetch", "item_code": "bread", "settlement_id": bread_quest["mill"].pk}],
    )

    assert result.newly_done == [] and result.steps[0]["note"] == NOTHING_ADVANCED and result.refused == []
