"""Shared quests: the first player to finish is paid; the others' assignments close, visibly."""

from __future__ import annotations

import pytest
from django.urls import reverse

from npcs.models import PlayerCharacter
from quests.models import Quest, QuestAssignment
from quests.play import (
    ASSIGNMENT_CLOSED_BECAUSE,
    OUTRUN,
    QuestPlayError,
    quest_accept,
    quest_actions_report,
)
from quests.tasks.play import monitor_quest_progression_task
from tests.api.test_quests_play import other_player, script

pytestmark = pytest.mark.django_db


@pytest.fixture
def race(player, bread_quest):
    """Ana and Bo both took the bread quest and both stand at the mill; Ana finishes first."""
    quest = bread_quest["quest"]
    bo, bo_headers = other_player(player)
    PlayerCharacter.objects.filter(pk__in=[player.character.pk, bo.pk]).update(settlement=bread_quest["mill"])
    ana_task = quest_accept(quest=quest, character=player.character)
    bo_task = quest_accept(quest=quest, character=bo)
    quest_actions_report(assignment=bo_task, actions=script(bread_quest)[:3])  # Bo is half-way
    finished = quest_actions_report(assignment=ana_task, actions=script(bread_quest))
    return {"quest": quest, "bo": bo, "bo_headers": bo_headers, "bo_task": bo_task, "finished": finished}


def test_the_first_to_finish_is_paid_and_the_others_are_closed_with_a_reason(player, race):
    quest, bo = race["quest"], race["bo"]

    bo.refresh_from_db()
    player.character.refresh_from_db()
    quest.refresh_from_db()
    assert race["finished"].complete and race["finished"].reward_paid == 120
    assert race["finished"].closed_assignments == 1
    assert (player.character.purse, bo.purse) == (1000 + 120, 1000)
    assert quest.status == Quest.Status.COMPLETED and quest.escrow_cp == 0
    closed = QuestAssignment.objects.get(pk=race["bo_task"].pk)
    assert (closed.status, closed.closed_reason) == ("closed", OUTRUN) and closed.closed_at is not None


def test_the_api_shows_the_closed_assignment_and_refuses_more_reports(client, race):
    quest = race["quest"]

    detail = client.get(f"/api/v1/quests/{quest.pk}", **race["bo_headers"])
    listed = client.get("/api/v1/quests", **race["bo_headers"]).json()["items"]
    acted = client.post(
        f"/api/v1/quests/{quest.pk}/actions",
        data=[{"action": "report"}],
        content_type="application/json",
        **race["bo_headers"],
    )

    assert detail.status_code == 200 and detail.json()["status"] == "completed"
    assignment = detail.json()["assignment"]
    assert (assignment["status"], assignment["closed_reason"]) == ("closed", OUTRUN)
    assert [q["assignment"]["status"] for q in listed if q["id"] == quest.pk] == ["closed"]
    reason = ASSIGNMENT_CLOSED_BECAUSE.format(quest=quest.pk, reason=OUTRUN)
    assert (acted.status_code, acted.json()) == (409, {"detail": reason})


def test_a_report_already_queued_by_the_outrun_player_is_refused_with_the_reason(race):
    quest, bo = race["quest"], race["bo"]

    result = monitor_quest_progression_task(quest.pk, [{"action": "report"}], character_id=bo.pk)

    assert result == {
        "quest": quest.pk,
        "error": ASSIGNMENT_CLOSED_BECAUSE.format(quest=quest.pk, reason=OUTRUN),
    }
    with pytest.raises(QuestPlayError, match="closed for you"):
        quest_actions_report(assignment=race["bo_task"], actions=[{"action": "report"}])


def test_the_gm_sees_who_is_on_the_quest_and_why_it_closed_for_them(admin_client, player, race):
    page = admin_client.get(reverse("console:quest_detail", args=[race["quest"].pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Ana the Bold" in html and race["bo"].name in html
    assert "Completed" in html and "Closed" in html and OUTRUN in html
