"""Quest generation tasks: plot then objectives on the llm queue, and the sweep over open hooks."""

from __future__ import annotations

import logging

from celery import shared_task

from gmconsole.llm.tasks import llm_task
from quests.generation import (
    quest_generation_dispatch_open,
    quest_objectives_dispatch,
    quest_objectives_populate,
    quest_plot_generate,
)
from quests.models import Quest, QuestHook

logger = logging.getLogger(__name__)

NO_SUCH_HOOK = "No quest hook with id {hook_id}; no plot to write."
NO_SUCH_QUEST = "No quest with id {quest_id}; no objectives to write."
MAX_DISPATCH_PER_RUN = 10


def _summary(quest: Quest) -> dict:
    return {
        "quest_id": quest.pk,
        "status": quest.status,
        "narrator": quest.narrator,
        "title": quest.title,
        "error": quest.error,
    }


@llm_task(name="quests.generate_plot")
def generate_quest_plot_task(self, triggering_event_details: dict, involved_npcs: list) -> dict:
    """Write the plot of the quest for the hook in `triggering_event_details`, then queue its objectives."""
    hook_id = (triggering_event_details or {}).get("hook_id")
    hook = QuestHook.objects.filter(pk=hook_id).first() if hook_id is not None else None
    if hook is None:
        logger.warning(NO_SUCH_HOOK.format(hook_id=hook_id))
        return {"error": NO_SUCH_HOOK.format(hook_id=hook_id)}
    quest = quest_plot_generate(
        hook=hook,
        task_id=self.request.id or "",
        involved_npc_ids=[int(n) for n in involved_npcs or ()],
        last_attempt=self.request.retries >= self.max_retries,
    )
    summary = _summary(quest)
    if quest.status == Quest.Status.GENERATING:
        summary["objectives_task_id"] = quest_objectives_dispatch(quest=quest)
    return summary


@llm_task(name="quests.populate_objectives", queue="llm")
def populate_quest_objectives_task(self, quest_plot_id: int) -> dict:
    """Write and validate the objectives of a plotted quest; it becomes a draft (or needs attention)."""
    quest = Quest.objects.filter(pk=quest_plot_id).first()
    if quest is None:
        logger.warning(NO_SUCH_QUEST.format(quest_id=quest_plot_id))
        return {"error": NO_SUCH_QUEST.format(quest_id=quest_plot_id)}
    quest = quest_objectives_populate(
        quest=quest, task_id=self.request.id or "", last_attempt=self.request.retries >= self.max_retries
    )
    return {**_summary(quest), "is_valid": quest.is_valid, "objectives": quest.objectives.count()}


# "quests.generate*" routes to the llm queue; this sweep only dispatches, so it stays on default.
@shared_task(
    name="quests.generate_for_open_hooks", queue="default", acks_late=True, soft_time_limit=60, time_limit=90
)
def generate_for_open_hooks_task(limit: int = MAX_DISPATCH_PER_RUN) -> dict:
    """Queue generation for open hooks that have no quest yet, at most `limit` per run."""
    return {"dispatched": quest_generation_dispatch_open(limit=int(limit))}
