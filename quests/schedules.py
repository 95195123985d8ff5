"""The quest hook scan's schedule, in django-celery-beat's tables so designers edit it in the admin.

`world.management.commands.setup_schedules` calls `hook_scan_schedule_ensure` for each world
and `drafting_schedule_ensure` once.

First runs come early: a new schedule gets a `start_time` (beat's "Start Datetime"), and
django-celery-beat runs a schedule that never ran as soon as its start time has passed, then
every interval. So on a fresh `make run` the first scan goes out as soon as beat is up and the
first drafting sweep FIRST_DRAFTING_DELAY_SECONDS later (after the scan found the troubles),
instead of one full interval (5 and 2 minutes) after setup. Existing schedules are left alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from world.models import World
from world.services.schedules import periodic_task_ensure

SCAN_TASK = "quests.scan_hooks"
DRAFTING_TASK = "quests.generate_for_open_hooks"
DRAFTING_SCHEDULE_NAME = "Quest drafting: open hooks"
DEFAULT_DRAFTING_INTERVAL_SECONDS = 120
# Troubles build up over game hours; a scan every few minutes of real time is plenty.
DEFAULT_SCAN_INTERVAL_SECONDS = 300
# The first drafting sweep waits this long after setup for the first scan (a few seconds on Mones).
FIRST_DRAFTING_DELAY_SECONDS = 30


def _first_run_at(task: PeriodicTask, created: bool, *, delay_seconds: int = 0) -> PeriodicTask:
    """A schedule just created runs first `delay_seconds` from now, not one interval from now."""
    if created:
        task.start_time = timezone.now() + timedelta(seconds=delay_seconds)
        task.save(update_fields=["start_time"])
    return task


def hook_scan_schedule_name(world: World) -> str:
    return f"Quest hooks: {world.slug}"


def hook_scan_schedule_for_world(*, world: World) -> PeriodicTask | None:
    return PeriodicTask.objects.filter(name=hook_scan_schedule_name(world)).first()


def hook_scan_schedule_ensure(*, world: World, every_seconds: int | None = None) -> tuple[PeriodicTask, bool]:
    """Create the world's hook-scan schedule if missing. An existing one is left as the designer set it."""
    every = every_seconds or getattr(
        settings, "GMCONSOLE_HOOK_SCAN_INTERVAL_SECONDS", DEFAULT_SCAN_INTERVAL_SECONDS
    )
    task, created = periodic_task_ensure(
        name=hook_scan_schedule_name(world),
        task=SCAN_TASK,
        every_seconds=every,
        args=[world.pk],
        queue="default",
        description=f"Look for troubles in {world.name} (shortages, hunger, danger, war) every {every} s, "
        "the first time as soon as beat starts; they become quest hooks for the GM.",
    )
    return _first_run_at(task, created), created


def drafting_schedule_ensure(*, every_seconds: int | None = None) -> tuple[PeriodicTask, bool]:
    """Create the schedule that turns open hooks into quest drafts (all worlds), if missing."""
    every = every_seconds or getattr(
        settings, "GMCONSOLE_QUEST_DRAFTING_INTERVAL_SECONDS", DEFAULT_DRAFTING_INTERVAL_SECONDS
    )
    task, created = periodic_task_ensure(
        name=DRAFTING_SCHEDULE_NAME,
        task=DRAFTING_TASK,
        every_seconds=every,
        args=[],
        queue="default",
        description=f"Every {every} s (the first time {FIRST_DRAFTING_DELAY_SECONDS} s after setup), write "
        "quest drafts (LLM or template narrator) for open hooks without one; "
        "the GM reviews them in the console before players see them.",
    )
    return _first_run_at(task, created, delay_seconds=FIRST_DRAFTING_DELAY_SECONDS), created
