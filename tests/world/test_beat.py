"""Schedules live in the database: beat runs the tick, and follows a designer's pause."""

import time

import pytest
from django_celery_results.models import TaskResult

from tests.world.world_fixtures import small_world
from world.models import TickRun
from world.services.schedules import schedule_ensure, schedule_for_world, schedule_set_enabled

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def done_ticks(world) -> int:
    return TickRun.objects.filter(world=world, status=TickRun.Status.DONE).count()


def wait_until(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_beat_ticks_the_world_and_stops_when_paused(celery_beat_process):
    world = small_world(regions=1)
    schedule_ensure(world=world, every_seconds=1)

    assert wait_until(lambda: done_ticks(world) >= 2, timeout=60), "beat never ran two ticks"
    # The results remember which schedule sent them: the dashboard reads a schedule's health there.
    schedule = schedule_for_world(world=world)
    assert wait_until(
        lambda: TaskResult.objects.filter(periodic_task_name=schedule.name, task_name="world.tick").exists(),
        10,
    )

    schedule_set_enabled(world=world, enabled=False)
    time.sleep(3)  # beat notices the change within its 1 s max interval; let in-flight ticks land
    paused_at = done_ticks(world)
    time.sleep(4)
    assert done_ticks(world) == paused_at
