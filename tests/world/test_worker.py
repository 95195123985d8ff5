"""Ticks through a real Celery worker process on the real Redis broker (payloads really serialised)."""

import ast
import json
import time

import pytest
from django_celery_results.models import TaskResult

from npcs.models import Npc
from tests.world.world_fixtures import small_world
from world.models import ChronicleEntry, TickRun
from world.tasks import world_tick_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_a_real_worker_runs_a_tick_and_the_database_changes(celery_worker_process):
    world = small_world(regions=3)
    hunger_before = sorted(Npc.objects.filter(world=world).values_list("id", "hunger"))

    world_tick_task.delay(world.pk, trigger="console")

    run = wait_for(lambda: TickRun.objects.filter(world=world, tick=1, status=TickRun.Status.DONE).first())
    assert run.shards_done == 3 and run.npc_updates == 3 * 2 * 18
    assert set(Npc.objects.filter(world=world).values_list("last_tick", flat=True)) == {1}
    assert sorted(Npc.objects.filter(world=world).values_list("id", "hunger")) != hunger_before
    assert ChronicleEntry.objects.filter(world=world, kind="tick", tick=1).exists()
    # The shards ran as separate tasks whose results (name, args, worker) the GM can read.
    shard_results = wait_for(
        lambda: (
            list(TaskResult.objects.filter(task_name="world.tick_region", status="SUCCESS"))
            if TaskResult.objects.filter(task_name="world.tick_region", status="SUCCESS").count() == 3
            else None
        )
    )
    assert all(r.worker and r.worker.startswith("test-") for r in shard_results)
    # django-celery-results keeps the args as the JSON of their repr: '"(world, tick, region)"'.
    region_ids = {ast.literal_eval(json.loads(r.task_args))[2] for r in shard_results}
    assert region_ids == set(world.regions.values_list("id", flat=True))


def test_ticks_on_the_worker_never_overlap(celery_worker_process):
    world = small_world(regions=2)

    for _ in range(3):  # three schedule firings in a burst: one tick runs, the others skip
        world_tick_task.delay(world.pk)

    wait_for(lambda: TickRun.objects.filter(world=world, status=TickRun.Status.DONE).exists())
    wait_for(lambda: TaskResult.objects.filter(task_name="world.tick", status="SUCCESS").count() >= 3)
    world.refresh_from_db()
    done = TickRun.objects.filter(world=world, status=TickRun.Status.DONE).count()
    assert done + world.ticks_skipped == 3
    assert world.ticks_skipped >= 1
    assert world.current_tick == done
