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


def test_beat_starts_a_clocked_event_once_at_its_time(celery_beat_process):
    from datetime import timedelta

    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    from tests.world.event_fixtures import linked_world
    from world.events.services import event_create, event_start_dispatch
    from world.models import WorldEvent

    world, towns = linked_world(regions=1)
    event = event_create(
        world=world, kind="festival", settlement=towns[0], starts_at=timezone.now() + timedelta(seconds=3)
    )
    assert event_start_dispatch(event=event) == ""
    time.sleep(1)
    assert WorldEvent.objects.get(pk=event.pk).status == "pending"  # not before its time

    assert wait_until(lambda: WorldEvent.objects.get(pk=event.pk).status == "active", timeout=30)
    # One-off: it fires once, not every second after its time.
    time.sleep(4)
    assert TaskResult.objects.filter(task_name="world.event_start").count() == 1
    assert PeriodicTask.objects.get(task="world.event_start").one_off
