"""Idempotent progress reports: the same report, applied twice or sent twice, advances once."""

from __future__ import annotations

import pytest

from npcs.models import PlayerCharacter
from quests.api import REPLAYED_HEADER
from quests.models import Quest, QuestObjective, QuestProgress, QuestReport
from quests.play import (
    BAD_KEY,
    KEY_REUSED,
    MAX_KEY_LENGTH,
    assignment_objective_states,
    quest_accept,
    quest_actions_report,
)
from quests.progress import ALREADY_DONE, SEEN_THERE
from quests.tasks.play import monitor_quest_progression_task

pytestmark = pytest.mark.django_db


def at_the_mill(player, bread_quest):
    PlayerCharacter.objects.filter(pk=player.character.pk).update(settlement=bread_quest["mill"])


def progress(quest, assignment) -> dict[str, int]:
    return {s.key: s.progress for _, s in assignment_objective_states(quest=quest, assignment=assignment)}


def mill_work(bread_quest, fetched: int = 2) -> list[dict]:
    baker, mill = bread_quest["baker"], bread_quest["mill"]
    return [
        {"action": "talk", "npc_id": baker.pk},
        {"action": "go_to", "settlement_id": mill.pk},
        {"action": "fetch", "item_code": "bread", "settlement_id": mill.pk, "quantity": fetched},
    ]


def test_the_same_report_applied_twice_advances_once(player, bread_quest):
    quest = bread_quest["quest"]
    at_the_mill(player, bread_quest)
    assignment = quest_accept(quest=quest, character=player.character)

    first = quest_actions_report(assignment=assignment, actions=mill_work(bread_quest), report_key="r-1")
    again = quest_actions_report(assignment=assignment, actions=mill_work(bread_quest), report_key="r-1")

    assert (first.replayed, again.replayed) == (False, True)
    assert first.newly_done == again.newly_done == ["talk", "go_to"]
    assert again.as_dict() == {**first.as_dict(), "replayed": True}
    # talk; go_to seen (the character is at the mill); go_to reported (already done); fetch 2
    assert [(s["objective"], s["note"]) for s in first.steps] == [
        ("talk", ""),
        ("go_to", SEEN_THERE.format(position=bread_quest["mill"].pk)),
        (None, ALREADY_DONE),
        ("fetch", ""),
    ]
    assert progress(quest, assignment) == {"talk": 1, "go_to": 1, "fetch": 2, "deliver": 0, "report": 0}
    assert QuestProgress.objects.filter(assignment=assignment).count() == 4
    report = QuestReport.objects.get(assignment=assignment)
    assert (report.key, report.tick, report.result["newly_done"]) == ("r-1", 0, ["talk", "go_to"])
    assert set(report.progress.values_list("source", flat=True)) == {"player", "world"}


def test_another_key_is_another_report(player, bread_quest):
    quest = bread_quest["quest"]
    at_the_mill(player, bread_quest)
    assignment = quest_accept(quest=quest, character=player.character)
    fetch = mill_work(bread_quest)[2]

    quest_actions_report(assignment=assignment, actions=mill_work(bread_quest)[:2], report_key="a")
    quest_actions_report(assignment=assignment, actions=[fetch], report_key="b")
    quest_actions_report(assignment=assignment, actions=[fetch], report_key="b")
    quest_actions_report(assignment=assignment, actions=[fetch], report_key="c")

    assert progress(quest, assignment)["fetch"] == 3  # 2 + 1 (capped at the quantity), not 2 + 2 + 2
    assert QuestReport.objects.filter(assignment=assignment).count() == 3


def test_a_report_that_completed_the_quest_replays_its_result(player, bread_quest):
    quest = bread_quest["quest"]
    at_the_mill(player, bread_quest)
    assignment = quest_accept(quest=quest, character=player.character)
    actions = [
        *mill_work(bread_quest, fetched=3),
        {"action": "deliver", "npc_id": bread_quest["baker"].pk, "item_code": "bread", "quantity": 3},
        {"action": "report", "npc_id": bread_quest["baker"].pk},
    ]

    first = quest_actions_report(assignment=assignment, actions=actions, report_key="all")
    again = quest_actions_report(assignment=assignment, actions=actions, report_key="all")

    player.character.refresh_from_db()
    assert first.complete and first.reward_paid == 120
    assert again.replayed and again.reward_paid == 120  # what happened then, not a second payment
    assert player.character.purse == 1000 + 120


def test_the_same_request_twice_starts_one_task_and_counts_once(
    client, player, bread_quest, django_capture_on_commit_callbacks
):
    quest = bread_quest["quest"]
    at_the_mill(player, bread_quest)
    assignment = quest_accept(quest=quest, character=player.character)
    url = f"/api/v1/quests/{quest.pk}/actions"
    headers = {**player.headers, "HTTP_IDEMPOTENCY_KEY": "ana-report-1"}

    with django_capture_on_commit_callbacks(execute=False) as sent:
        first = client.post(url, data=mill_work(bread_quest), content_type="application/json", **headers)
        second = client.post(url, data=mill_work(bread_quest), content_type="application/json", **headers)

    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json() == first.json() and second["Location"] == first.json()["status_url"]
    assert second[REPLAYED_HEADER] == "true" and REPLAYED_HEADER not in first
    assert len(sent) == 1  # one task queued
    task_id = first.json()["task_id"]
    quest.refresh_from_db()
    assert quest.task_ids == [task_id]
    report = QuestReport.objects.get(assignment=assignment)
    assert (report.key, report.task_id, report.processed_at) == ("ana-report-1", task_id, None)

    # The task, delivered twice (a worker died between commit and ack), applies the report once.
    payload = report.actions
    results = [
        monitor_quest_progression_task(
            quest.pk, payload, character_id=player.character.pk, report_key="ana-report-1"
        )
        for _ in range(2)
    ]

    assert [r["replayed"] for r in results] == [False, True]
    assert results[0]["newly_done"] == ["talk", "go_to"] and results[1]["newly_done"] == ["talk", "go_to"]
    assert progress(quest, assignment)["fetch"] == 2
    assert QuestObjective.objects.get(quest=quest, key="fetch").status == "pending"


def test_a_key_reused_for_another_report_is_a_conflict(
    client, player, bread_quest, django_capture_on_commit_callbacks
):
    quest = bread_quest["quest"]
    quest_accept(quest=quest, character=player.character)
    url = f"/api/v1/quests/{quest.pk}/actions"
    headers = {**player.headers, "HTTP_IDEMPOTENCY_KEY": "k"}
    talk = [{"action": "talk", "npc_id": bread_quest["baker"].pk}]

    with django_capture_on_commit_callbacks(execute=False):
        client.post(url, data=talk, content_type="application/json", **headers)
        other = client.post(url, data=[{"action": "report"}], content_type="application/json", **headers)

    assert (other.status_code, other.json()) == (409, {"detail": KEY_REUSED.format(key="k", quest=quest.pk)})


@pytest.mark.parametrize("key", ["x" * (MAX_KEY_LENGTH + 1), "tab\there"])
def test_a_malformed_key_is_refused(client, player, bread_quest, key):
    quest = bread_quest["quest"]
    quest_accept(quest=quest, character=player.character)

    response = client.post(
        f"/api/v1/quests/{quest.pk}/actions",
        data=[{"action": "talk"}],
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **player.headers,
    )

    assert (response.status_code, response.json()) == (400, {"detail": BAD_KEY.format(limit=MAX_KEY_LENGTH)})
    assert not QuestReport.objects.exists()
    assert Quest.objects.get(pk=quest.pk).task_ids == []


def test_without_a_key_each_request_is_a_report_of_its_own(
    client, player, bread_quest, django_capture_on_commit_callbacks
):
    quest = bread_quest["quest"]
    quest_accept(quest=quest, character=player.character)
    talk = [{"action": "talk", "npc_id": bread_quest["baker"].pk}]

    with django_capture_on_commit_callbacks(execute=False) as sent:
        for _ in range(2):
            client.post(
                f"/api/v1/quests/{quest.pk}/actions",
                data=talk,
                content_type="application/json",
                **player.headers,
            )

    assert len(sent) == 2
    keys = list(QuestReport.objects.values_list("key", flat=True))
    assert len(keys) == 2 and len(set(keys)) == 2 and all(len(k) == 32 for k in keys)  # made up: uuid4 hex
