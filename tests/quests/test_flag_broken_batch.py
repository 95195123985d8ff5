"""`quests_flag_broken` reads the world once and every quest's objectives in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from npcs.models import Npc
from quests.models import Quest, QuestObjective, QuestReviewLog
from quests.play import quests_flag_broken
from quests.progress import GIVER_DEAD, NPC_GONE
from tests.api.test_quests_play import make_quest
from tests.factories import make_npc

pytestmark = pytest.mark.django_db


def add_quests(player, n: int, *, giver=None) -> list[Quest]:
    quests = []
    for i in range(n):
        giver_i = giver or make_npc(settlement=player.town, name=f"Giver {i}", purse=100)
        quest = make_quest(world=player.world, settlement=player.town, giver=giver_i, reward=10)
        for order, (key, action) in enumerate([("talk", "talk"), ("go", "go_to")]):
            QuestObjective.objects.create(
                quest=quest,
                key=key,
                order=order,
                action=action,
                npc=giver_i if action == "talk" else None,
                settlement=player.town if action == "go_to" else None,
                requires=[] if order == 0 else ["talk"],
            )
        quests.append(quest)
    return quests


def queries(world) -> tuple[list[int], int]:
    with CaptureQueriesContext(connection) as captured:
        flagged = quests_flag_broken(world=world)
    return flagged, len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_quests(player):
    add_quests(player, 2)
    _, few = queries(player.world)
    add_quests(player, 10)
    flagged, many = queries(player.world)

    # The world's facts (5, and the wars that cut roads), the quests, their objectives.
    assert flagged == [] and many == few <= 8


def test_broken_quests_are_flagged_together_in_a_few_queries(player, django_assert_max_num_queries):
    fine = add_quests(player, 3)
    doomed_giver = make_npc(settlement=player.town, name="Doomed", purse=500)
    doomed = add_quests(player, 4, giver=doomed_giver)
    Npc.objects.filter(pk=doomed_giver.pk).update(is_alive=False)

    with django_assert_max_num_queries(13):
        flagged = quests_flag_broken(world=player.world)

    assert flagged == sorted(q.pk for q in doomed)
    assert set(Quest.objects.filter(pk__in=flagged).values_list("status", flat=True)) == {"broken"}
    assert set(Quest.objects.filter(pk__in=[q.pk for q in fine]).values_list("status", flat=True)) == {
        "published"
    }
    logs = QuestReviewLog.objects.filter(quest__in=doomed)
    assert logs.count() == 4 and {log.user_id for log in logs} == {None}
    problems = logs.first().changes["problems"]
    assert [p["code"] for p in problems] == [GIVER_DEAD, NPC_GONE]  # the giver was also the one to talk to
    assert quests_flag_broken(world=player.world) == []  # flagged once


def test_an_objective_done_already_cannot_break_the_quest(player):
    (quest,) = add_quests(player, 1)
    target = quest.giver
    QuestObjective.objects.filter(quest=quest, key="talk").update(status="done", done_tick=0)
    Quest.objects.filter(pk=quest.pk).update(giver=make_npc(settlement=player.town, name="Heir", purse=10))
    Npc.objects.filter(pk=target.pk).update(is_alive=False)

    assert quests_flag_broken(world=player.world) == []
