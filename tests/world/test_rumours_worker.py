"""Rumour tasks through a real Celery worker on the real Redis broker (payloads really serialised)."""

import pytest
from django_celery_results.models import TaskResult

from npcs.models import Npc
from tests.world.test_rumours_services import linked_small_world
from tests.world.test_worker import wait_for
from world.models import Rumour, RumourHearing
from world.tasks.rumours import propagate_information_task, rumours_spread_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_worker_starts_a_rumour_and_spreads_it_once_per_tick(celery_worker_process):
    world = linked_small_world()
    source = Npc.objects.filter(world=world, profession="merchant").order_by("id").first()
    details = {"template": "Bandits on the road to {place}, {count} of them", "place": "Valla", "count": 8}

    sent = propagate_information_task.delay(details, source.pk)

    rumour = wait_for(lambda: Rumour.objects.filter(world=world).first())
    result = wait_for(lambda: TaskResult.objects.filter(task_id=sent.id, status="SUCCESS").first())
    assert result.task_name == "world.propagate_information" and result.worker.startswith("test-")
    assert (rumour.source_npc_id, rumour.text, rumour.details) == (
        source.pk,
        "Bandits on the road to Valla, 8 of them.",
        details,
    )
    assert RumourHearing.objects.get(rumour=rumour).npc_id == source.pk

    # one step for tick 1, sent twice (a redelivery): applied once
    first = rumours_spread_task.delay(world.pk, 1)
    second = rumours_spread_task.delay(world.pk, 1)
    results = wait_for(
        lambda: (
            list(TaskResult.objects.filter(task_id__in=[first.id, second.id], status="SUCCESS"))
            if TaskResult.objects.filter(task_id__in=[first.id, second.id], status="SUCCESS").count() == 2
            else None
        )
    )
    rumour.refresh_from_db()
    assert sorted(r.task_name for r in results) == ["world.rumours_spread"] * 2
    assert rumour.last_step_tick == 1 and len(rumour.curve) == 2
    assert rumour.heard_count == RumourHearing.objects.filter(rumour=rumour).count() > 1
    assert RumourHearing.objects.filter(rumour=rumour, heard_tick=1, hops=1, heard_from=source).count() == (
        rumour.heard_count - 1
    )


def test_a_bad_schedule_argument_fails_with_a_clear_message(celery_worker_process):
    sent = propagate_information_task.delay(["a flood"], 1)

    result = wait_for(lambda: TaskResult.objects.filter(task_id=sent.id, status="FAILURE").first())
    assert "must be a JSON object (a dict), got list" in result.result
