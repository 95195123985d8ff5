"""A new GM does not wait minutes for the first quests: new schedules run first soon after beat starts.

Checked with django-celery-beat's own `ModelEntry.is_due`, which is what beat asks every loop.
"""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry

from gmconsole.celery import app as celery_app
from quests.schedules import (
    DEFAULT_DRAFTING_INTERVAL_SECONDS,
    DEFAULT_SCAN_INTERVAL_SECONDS,
    FIRST_DRAFTING_DELAY_SECONDS,
    drafting_schedule_ensure,
    hook_scan_schedule_ensure,
)

pytestmark = pytest.mark.django_db


def due(task: PeriodicTask) -> tuple[bool, float]:
    return tuple(ModelEntry(PeriodicTask.objects.get(pk=task.pk), app=celery_app).is_due())


def test_a_new_scan_schedule_is_due_at_once(world):
    task, created = hook_scan_schedule_ensure(world=world)

    is_due, _ = due(task)

    assert created and is_due and task.interval.every == DEFAULT_SCAN_INTERVAL_SECONDS


def test_without_a_start_time_beat_would_wait_a_whole_interval(world):
    task, _ = hook_scan_schedule_ensure(world=world)
    PeriodicTask.objects.filter(pk=task.pk).update(start_time=None)

    is_due, next_in = due(task)

    assert not is_due and DEFAULT_SCAN_INTERVAL_SECONDS - 5 <= next_in <= DEFAULT_SCAN_INTERVAL_SECONDS


def test_the_first_drafting_sweep_follows_the_first_scan_shortly():
    task, created = drafting_schedule_ensure()

    is_due, next_in = due(task)

    assert created and not is_due
    assert FIRST_DRAFTING_DELAY_SECONDS - 5 <= next_in <= FIRST_DRAFTING_DELAY_SECONDS
    assert next_in < DEFAULT_DRAFTING_INTERVAL_SECONDS


def test_existing_schedules_keep_what_the_designer_set(world):
    task, _ = hook_scan_schedule_ensure(world=world)
    PeriodicTask.objects.filter(pk=task.pk).update(start_time=None)

    again, created = hook_scan_schedule_ensure(world=world)

    assert not created and PeriodicTask.objects.get(pk=again.pk).start_time is None
