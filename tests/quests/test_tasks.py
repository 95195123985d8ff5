"""The scan task and its beat schedule; one run through a real worker on the real broker."""

from __future__ import annotations

import json
import time

import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

from gmconsole.celery import app as celery_app
from quests.models import QuestHook
from quests.schedules import (
    DEFAULT_SCAN_INTERVAL_SECONDS,
    SCAN_TASK,
    hook_scan_schedule_ensure,
    hook_scan_schedule_name,
)
from quests.tasks import BAD_WORLD_ID, NO_SUCH_WORLD, scan_hooks_task
from tests.quests.conftest import set_stock
from tests.world.world_fixtures import small_world
from world.models import Settlement


@pytest.mark.django_db
def test_the_task_scans_a_world_and_returns_a_small_summary(world):
    set_stock(Settlement.objects.filter(world=world).first(), "bread", quantity=0)

    summary = scan_hooks_task(world.pk)

    assert summary["created"] == 1 and summary["by_kind"] == {"shortage": 1}
    assert summary["broken_quests"] == []  # no published quest to check
    assert json.loads(json.dumps(summary)) == summary  # JSON-safe
    assert QuestHook.objects.count() == 1


@pytest.mark.django_db
def test_the_task_logs_and_returns_for_a_missing_world():
    assert scan_hooks_task(999_999) == {"error": NO_SUCH_WORLD.format(world_id=999_999)}


@pytest.mark.django_db
def test_the_task_refuses_a_world_id_that_is_not_an_id():
    with pytest.raises(ValueError) as error:
        scan_hooks_task("mones")
    assert str(error.value) == BAD_WORLD_ID.format(value="mones")


def test_the_task_has_a_stable_name_time_limits_and_the_default_queue():
    task = celery_app.tasks[SCAN_TASK]

    assert task.name == scan_hooks_task.name == "quests.scan_hooks"
    assert task.soft_time_limit and task.time_limit > task.soft_time_limit
    assert celery_app.amqp.router.route({}, SCAN_TASK)["queue"].name == "default"


@pytest.mark.django_db
def test_the_schedule_is_created_once_and_a_designers_edits_survive(world):
    task, created = hook_scan_schedule_ensure(world=world)
    task.enabled = False
    task.save()

    again, created_again = hook_scan_schedule_ensure(world=world, every_seconds=5)

    assert created and not created_again and again.pk == task.pk
    again.refresh_from_db()
    assert again.enabled is False and again.interval.every == DEFAULT_SCAN_INTERVAL_SECONDS
    assert again.name == hook_scan_schedule_name(world) == f"Quest hooks: {world.slug}"
    assert (again.task, json.loads(again.args), again.queue) == (SCAN_TASK, [world.pk], "default")
    assert PeriodicTask.objects.filter(task=SCAN_TASK).count() == 1


@pytest.mark.django_db
def test_the_interval_comes_from_the_settings_when_given(world, settings):
    settings.GMCONSOLE_HOOK_SCAN_INTERVAL_SECONDS = 42

    task, _ = hook_scan_schedule_ensure(world=world)

    assert task.interval.every == 42


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_scan(celery_worker_process):
    world = small_world(regions=1, towns_per_region=2)
    set_stock(Settlement.objects.filter(world=world).first(), "bread", quantity=0)

    scan_hooks_task.delay(world.pk)

    deadline = time.monotonic() + 60
    while not QuestHook.objects.filter(world=world).exists():
        assert time.monotonic() < deadline, "the worker did not scan in 60 s"
        time.sleep(0.1)
    assert QuestHook.objects.get(world=world).kind == "shortage"
    while not TaskResult.objects.filter(task_name=SCAN_TASK, status="SUCCESS").exists():
        assert time.monotonic() < deadline, "no task result in 60 s"
        time.sleep(0.1)
    result = json.loads(TaskResult.objects.get(task_name=SCAN_TASK).result)
    assert result["created"] == 1
