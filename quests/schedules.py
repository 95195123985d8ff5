"""The quest hook scan's schedule, in django-celery-beat's tables so designers edit it in the admin.

`world.management.commands.setup_schedules` calls `hook_scan_schedule_ensure` for each world.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from world.models import World

SCAN_TASK = "quests.scan_hooks"
# Troubles build up over game hours; a scan every few minutes of real time is plenty.
DEFAULT_SCAN_INTERVAL_SECONDS = 300


def hook_scan_schedule_name(world: World) -> str:
    return f"Quest hooks: {world.slug}"


def hook_scan_schedule_for_world(*, world: World) -> PeriodicTask | None:
    return PeriodicTask.objects.filter(name=hook_scan_schedule_name(world)).first()


@transaction.atomic
def hook_scan_schedule_ensure(*, world: World, every_seconds: int | None = None) -> tuple[PeriodicTask, bool]:
    """Create the world's hook-scan schedule if missing. An existing one is left as the designer set it."""
    existing = hook_scan_schedule_for_world(world=world)
    if existing is not None:
        return existing, False
    every = every_seconds or getattr(
        settings, "GMCONSOLE_HOOK_SCAN_INTERVAL_SECONDS", DEFAULT_SCAN_INTERVAL_SECONDS
    )
    interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.SECONDS)
    task = PeriodicTask(
        name=hook_scan_schedule_name(world),
        task=SCAN_TASK,
        interval=interval,
        args=json.dumps([world.pk]),
        queue="default",
        enabled=True,
        description=f"Look for troubles in {world.name} (shortages, hunger, danger, war) every {every} s; "
        "they become quest hooks for the GM.",
    )
    task.full_clean()
    task.save()
    return task, True
