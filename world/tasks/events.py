"""Event tasks: start an event, apply it region by region (a chord), summarise it, preview it.

Thin wrappers: ids in, a service call, a small summary out. `world.event_start` is also what a
clocked schedule (django-celery-beat, edited in the admin) sends, so its argument is checked.
"""

from __future__ import annotations

import logging

from celery import shared_task

from world.events import services as events
from world.events.services import previewing as preview
from world.models import WorldEvent

logger = logging.getLogger(__name__)

BAD_EVENT_ID = "event_id must be an integer id of a WorldEvent, got {value!r}"
NO_SUCH_EVENT = "No event with id {event_id}; nothing to start."


def schedule_event_id(value) -> int:
    if isinstance(value, bool):
        raise ValueError(BAD_EVENT_ID.format(value=value))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(BAD_EVENT_ID.format(value=value)) from None


@shared_task(name="world.event_start", soft_time_limit=30, time_limit=60)
def event_start_task(event_id) -> dict:
    """Open a pending event and send one region task per region it reaches (idempotent)."""
    event_id = schedule_event_id(event_id)
    if not WorldEvent.objects.filter(pk=event_id).exists():
        logger.warning(NO_SUCH_EVENT.format(event_id=event_id))
        return {"error": NO_SUCH_EVENT.format(event_id=event_id)}
    region_ids = events.event_start(event_id=event_id)
    if not region_ids:
        return {"event": event_id, "skipped": True, "reason": "already started or reaches no region"}
    chord_id = events.event_fan_out(event_id=event_id, region_ids=region_ids)
    return {"event": event_id, "regions": len(region_ids), "chord": chord_id}


@shared_task(name="world.event_fan_out", soft_time_limit=30, time_limit=60)
def event_fan_out_task(event_id: int, region_ids: list[int]) -> dict:
    """Send (again) the chord for some regions of a started event: the GM's retry."""
    return {"event": event_id, "chord": events.event_fan_out(event_id=event_id, region_ids=region_ids)}


@shared_task(name="world.event_region", bind=True, acks_late=True, soft_time_limit=120, time_limit=180)
def event_region_task(self, event_id: int, region_id: int) -> dict:
    """apply_event_impact_regionally: one region's share of an event, applied once."""
    return events.event_region_apply(event_id=event_id, region_id=region_id, task_id=self.request.id or "")


apply_event_impact_regionally_task = event_region_task


@shared_task(name="world.event_summary", acks_late=True, soft_time_limit=60, time_limit=90)
def event_summary_task(*args, event_id: int | None = None) -> dict:
    """Chord callback (and error callback): active, or partial naming the regions that failed."""
    event_id = event_id if event_id is not None else next(a for a in args if isinstance(a, int))
    return events.event_summarise(event_id=event_id, final=True)


@shared_task(name="world.event_preview", soft_time_limit=60, time_limit=90)
def event_preview_task(world_id: int, spec: dict, hours: int = 6) -> dict:
    """Run an event on a copy of the regions it would reach; nothing in the world changes."""
    return preview.event_preview(world_id=world_id, spec=spec, hours=hours)
