"""The hook scan task: ids in, a service call, a small summary out."""

from __future__ import annotations

import logging

from celery import shared_task

from quests.play import quests_flag_broken
from quests.services import hooks_scan
from world.models import World
from world.tasks import schedule_world_id

logger = logging.getLogger(__name__)

NO_SUCH_WORLD = "No world with id {world_id}; no hooks to scan."


# Results are kept (GM-visible: what the scan found); the default queue via CELERY_TASK_ROUTES.
@shared_task(name="quests.scan_hooks", acks_late=True, soft_time_limit=60, time_limit=90)
def scan_hooks_task(world_id) -> dict:
    """Look for the world's troubles, keep its quest hooks in step, and flag quests the world broke."""
    world_id = schedule_world_id(world_id)
    world = World.objects.filter(pk=world_id).first()
    if world is None:
        logger.warning(NO_SUCH_WORLD.format(world_id=world_id))
        return {"error": NO_SUCH_WORLD.format(world_id=world_id)}
    result = hooks_scan(world=world).as_dict()
    result["broken_quests"] = quests_flag_broken(world=world)
    return result
