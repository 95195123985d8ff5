"""Quest play tasks: a player's reported actions, applied on a worker."""

from __future__ import annotations

import logging

from celery import shared_task

from quests.models import Quest, QuestAssignment
from quests.play import QuestPlayError, quest_actions_report, quest_flag_if_broken

logger = logging.getLogger(__name__)

NO_SUCH_QUEST = "No quest with id {quest_id}; no progress to apply."
NO_ASSIGNMENT = "No active assignment of quest {quest_id} for character {character_id}."


# Results are kept: the player polls them (newly done objectives, completed?, reward paid) and the
# GM reads them from the console. Default queue (CELERY_TASK_ROUTES sends only quests.generate* to llm).
@shared_task(name="quests.monitor_progression", acks_late=True, soft_time_limit=30, time_limit=60)
def monitor_quest_progression_task(
    quest_id: int, player_actions: list, character_id: int | None = None
) -> dict:
    """Check the world has not broken the quest, then apply the character's reported actions.

    `character_id` picks the assignment; without it the quest's only active assignment is used.
    Known limit: a report has no idempotency key, so a redelivery after a worker crash between
    commit and ack would apply it twice.
    """
    quest = Quest.objects.filter(pk=quest_id).select_related("world").first()
    if quest is None:
        logger.warning(NO_SUCH_QUEST.format(quest_id=quest_id))
        return {"error": NO_SUCH_QUEST.format(quest_id=quest_id)}
    broken = quest_flag_if_broken(quest=quest)
    if broken:
        return {"quest": quest_id, "broken": broken, "complete": False}
    assignments = QuestAssignment.objects.filter(quest=quest, status=QuestAssignment.Status.ACTIVE)
    if character_id is not None:
        assignments = assignments.filter(character_id=character_id)
    assignment = assignments.first() if assignments.count() == 1 else None
    if assignment is None:
        error = NO_ASSIGNMENT.format(quest_id=quest_id, character_id=character_id)
        logger.warning(error)
        return {"quest": quest_id, "error": error}
    try:
        return quest_actions_report(assignment=assignment, actions=list(player_actions)).as_dict()
    except QuestPlayError as e:  # permanent: the quest closed meanwhile; retrying changes nothing
        return {"quest": quest_id, "error": str(e)}
