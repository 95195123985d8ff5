"""The world's schedules, kept in django-celery-beat's tables so designers edit them in the admin."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from world.models import World

TICK_TASK = "world.tick"


def schedule_name(world: World) -> str:
    return f"World tick: {world.slug}"


def schedule_for_world(*, world: World) -> PeriodicTask | None:
    return PeriodicTask.objects.filter(name=schedule_name(world)).first()


@transaction.atomic
def periodic_task_ensure(
    *, name: str, task: str, every_seconds: int, args: list, queue: str, description: str
) -> tuple[PeriodicTask, bool]:
    """Create an interval schedule if none has this name; an existing one is left as the designer set it."""
    existing = PeriodicTask.objects.filter(name=name).first()
    if existing is not None:
        return existing, False
    interval, _ = IntervalSchedule.objects.get_or_create(every=every_seconds, period=IntervalSchedule.SECONDS)
    periodic = PeriodicTask(
        name=name,
        task=task,
        interval=interval,
        args=json.dumps(args),
        queue=queue,
        enabled=True,
        description=description,
    )
    periodic.full_clean()
    periodic.save()
    return periodic, True


def schedule_ensure(*, world: World, every_seconds: int | None = None) -> tuple[PeriodicTask, bool]:
    """Create the world's tick schedule if missing."""
    every = every_seconds or settings.GMCONSOLE_TICK_INTERVAL_SECONDS
    return periodic_task_ensure(
        name=schedule_name(world),
        task=TICK_TASK,
        every_seconds=every,
        args=[world.pk],
        queue="sim",
        description=f"One game hour of {world.name} every {every} s. Pause it, change the interval or run it now here.",
    )


@transaction.atomic
def schedule_set_enabled(*, world: World, enabled: bool) -> PeriodicTask:
    """Pause or resume a world's tick schedule (beat picks the change up on its next sync)."""
    task = schedule_for_world(world=world)
    if task is None:
        task, _ = schedule_ensure(world=world)
    task.enabled = enabled
    task.save(update_fields=["enabled"])  # PeriodicTask.save also bumps PeriodicTasks.last_update for beat
    return task
