"""Thin Celery wrappers for quests: ids in, a service call, a small summary out."""

from __future__ import annotations

import logging

from celery import shared_task

from quests.services import hooks_scan
from world.models import World

logger = logging.getLogger(__name__)

BAD_WORLD_ID = "world_id must be an integer id of a World, got {value!r}"
NO_SUCH_WORLD = "No world with id {world_id}; no hooks to scan."


def _world_id(value) -> int:
    """Schedules are edited by hand in the admin: a clear error beats a traceback."""
    if isinstance(value, bool):
        raise ValueError(BAD_WORLD_ID.format(value=value))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(BAD_WORLD_ID.format(value=value)) from None


# Results are kept (GM-visible: what the scan found); the default queue via CELERY_TASK_ROUTES.
@shared_task(name="quests.scan_hooks", acks_late=True, soft_time_limit=60, time_limit=90)
def scan_hooks_task(world_id) -> dict:
    """Look for the world's troubles and keep its quest hooks in step. Idempotent per tick."""
    world_id = _world_id(world_id)
    world = World.objects.filter(pk=world_id).first()
    if world is None:
        logger.warning(NO_SUCH_WORLD.format(world_id=world_id))
        return {"error": NO_SUCH_WORLD.format(world_id=world_id)}
    return hooks_scan(world=world).as_dict()
