"""Thin Celery wrappers for the world tick: ids in, a service call, a small summary out."""

from __future__ import annotations

import logging

from celery import shared_task

from world.models import TickRun, World
from world.services import ticks

logger = logging.getLogger(__name__)

BAD_WORLD_ID = "world_id must be an integer id of a World, got {value!r}"
NO_SUCH_WORLD = "No world with id {world_id}; nothing to tick."


def schedule_world_id(value) -> int:
    """Schedules are edited by hand in the admin: a clear error beats a traceback."""
    if isinstance(value, bool):
        raise ValueError(BAD_WORLD_ID.format(value=value))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(BAD_WORLD_ID.format(value=value)) from None


@shared_task(name="world.tick", soft_time_limit=30, time_limit=60)
def world_tick_task(world_id, trigger: str = TickRun.Trigger.SCHEDULE) -> dict:
    """Open the next tick of a world and fan its shards out (or skip while one is running)."""
    world_id = schedule_world_id(world_id)
    world = World.objects.filter(pk=world_id).first()
    if world is None:
        logger.warning(NO_SUCH_WORLD.format(world_id=world_id))
        return {"error": NO_SUCH_WORLD.format(world_id=world_id)}
    start = ticks.tick_begin(world=world, trigger=trigger)
    if start is None:
        return {"world": world_id, "skipped": True, "reason": "a tick is still running"}
    chord_id = ticks.tick_fan_out(start=start)
    return {"world": world_id, "tick": start.run.tick, "shards": len(start.region_ids), "chord": chord_id}


@shared_task(name="world.tick_region", acks_late=True, soft_time_limit=120, time_limit=180)
def region_tick_task(world_id: int, tick: int, region_id: int) -> dict:
    """One shard of a tick: every NPC and market of one region, in bulk. Idempotent."""
    return ticks.region_tick_apply(world_id=world_id, tick=tick, region_id=region_id)


@shared_task(name="world.tick_finish", acks_late=True, soft_time_limit=60, time_limit=90)
def tick_finish_task(world_id: int, tick: int) -> dict:
    """Chord callback: totals, prices, chronicle line; the clock moves on."""
    return ticks.tick_finish(world_id=world_id, tick=tick)


@shared_task(name="world.tick_failed", soft_time_limit=30, time_limit=60)
def tick_fail_task(*args, world_id: int, tick: int) -> None:
    """Chord error callback: Celery passes (request, exc, traceback) before our keywords."""
    error = next((repr(a) for a in args if isinstance(a, BaseException)), "a shard failed")
    ticks.tick_fail(world_id=world_id, tick=tick, error=error)
