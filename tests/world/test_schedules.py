import json
from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from tests.factories import make_world
from world.models import TickRun
from world.services import ticks
from world.services.schedules import schedule_ensure, schedule_for_world, schedule_set_enabled
from world.tasks import BAD_WORLD_ID, NO_SUCH_WORLD, world_tick_task

pytestmark = pytest.mark.django_db


def test_setup_schedules_creates_one_tick_schedule_per_world_once(settings):
    settings.GMCONSOLE_TICK_INTERVAL_SECONDS = 7
    world = make_world()

    out = StringIO()
    call_command("setup_schedules", stdout=out)
    call_command("setup_schedules", stdout=out)

    task = PeriodicTask.objects.get(task="world.tick")
    assert json.loads(task.args) == [world.pk]
    assert json.loads(PeriodicTask.objects.get(task="quests.scan_hooks").args) == [world.pk]
    assert task.interval.every == 7 and task.interval.period == "seconds"
    assert task.enabled and task.queue == "sim"
    lines = out.getvalue().splitlines()
    assert lines == [
        "Quest drafting: open hooks: created, every 120 seconds, enabled",
        f"World tick: {world.slug}: created, every 7 seconds, enabled",
        f"Quest hooks: {world.slug}: created, every 300 seconds, enabled",
        "Quest drafting: open hooks: exists, every 120 seconds, enabled",
        f"World tick: {world.slug}: exists, every 7 seconds, enabled",
        f"Quest hooks: {world.slug}: exists, every 300 seconds, enabled",
    ]


def test_a_designers_changes_survive_setup_schedules():
    world = make_world()
    task, _ = schedule_ensure(world=world)
    task.enabled = False
    task.save()

    call_command("setup_schedules")

    assert schedule_for_world(world=world).enabled is False


def test_pause_and_resume():
    world = make_world()
    schedule_ensure(world=world)

    assert schedule_set_enabled(world=world, enabled=False).enabled is False
    assert PeriodicTask.objects.get(name=schedule_for_world(world=world).name).enabled is False
    assert schedule_set_enabled(world=world, enabled=True).enabled is True


@pytest.mark.parametrize("bad", ["abc", None, [1], True])
def test_a_bad_schedule_argument_is_a_clear_error(bad):
    with pytest.raises(ValueError) as err:
        world_tick_task(bad)
    assert str(err.value) == BAD_WORLD_ID.format(value=bad)


def test_a_schedule_for_a_deleted_world_does_nothing():
    assert world_tick_task(424242) == {"error": NO_SUCH_WORLD.format(world_id=424242)}
    assert TickRun.objects.count() == 0


def test_console_dispatch_waits_for_commit(django_capture_on_commit_callbacks):
    world = make_world()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_id = ticks.world_tick_dispatch(world=world)
    assert len(callbacks) == 1 and len(task_id) == 36
