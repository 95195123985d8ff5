"""Quest play tasks: a player's reported actions, applied on a worker."""

from __future__ import annotations

import logging

from celery import shared_task

from quests.models import Quest, QuestAssignment
from quests.play import QuestPlayError, quest_actions_report, quest_flag_if_broken, quest_report_replay

logger = logging.getLogger(__name__)

NO_SUCH_QUEST = "No quest with id {quest_id}; no progress to apply."
NO_ASSIGNMENT = "No active assignment of quest {quest_id} for character {character_id}."


# Results are kept: the player polls them (newly done objectives, completed?, reward paid) and the
# GM reads them from the console. Default queue (CELERY_TASK_ROUTES sends only quests.generate* to llm).
@shared_task(name="quests.monitor_progression", bind=True, acks_late=True, soft_time_limit=30, time_limit=60)
def monitor_quest_progression_task(
    self, quest_id: int, player_actions: list, character_id: int | None = None, report_key: str | None = None
) -> dict:
    """Check the world has not broken the quest, then apply the character's reported actions and
    what the world shows (where the character is: see quests/progress.py). Refused actions (the
    character is elsewhere) are listed with their reason under "refused".

    `character_id` picks the assignment; without it the quest's only active assignment is used.
    `report_key` (the report's Idempotency-Key) makes a redelivery answer the first result
    instead of applying the report twice. With no actions and no key (after a travel) it only
    looks at the world.
    """
    quest = Quest.objects.filter(pk=quest_id).select_related("world").first()
    if quest is None:
        logger.warning(NO_SUCH_QUEST.format(quest_id=quest_id))
        return {"error": NO_SUCH_QUEST.format(quest_id=quest_id)}
    assignment = _assignment(quest, character_id)
    if assignment is not None and report_key is not None:
        replay = quest_report_replay(assignment=assignment, report_key=report_key)
        if replay is not None:  # a redelivery: the report was applied already
            return replay.as_dict()
    broken = quest_flag_if_broken(quest=quest)
    if broken:
        return {"quest": quest_id, "broken": broken, "complete": False}
    if assignment is None:
        error = NO_ASSIGNMENT.format(quest_id=quest_id, character_id=character_id)
        logger.warning(error)
        return {"quest": quest_id, "error": error}
    try:
        return quest_actions_report(
            assignment=assignment,
            actions=list(player_actions),
            report_key=report_key,
            task_id=self.request.id or "",
        ).as_dict()
    except QuestPlayError as e:  # permanent: the quest closed meanwhile; retrying changes nothing
        return {"quest": quest_id, "error": str(e)}


def _assignment(quest: Quest, character_id: int | None) -> QuestAssignment | None:
    """The character's assignment (whatever its status: a closed one is refused with its reason),
    or without a character the quest's only active one."""
    if character_id is not None:
        return QuestAssignment.objects.filter(quest=quest, character_id=character_id).first()
    active = list(QuestAssignment.objects.filter(quest=quest, status=QuestAssignment.Status.ACTIVE)[:2])
    return active[0] if len(active) == 1 else None
