"""Every kind of event through a real worker on the real broker: started, applied once per region, summarised."""

import pytest
from django_celery_results.models import TaskResult

from tests.factories import make_user
from tests.world.event_fixtures import linked_world, two_factions
from tests.world.test_worker import wait_for
from world.events import services as events
from world.models import ChronicleEntry, EventImpact, WorldEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _event(kind: str):
    world, towns = linked_world(regions=2)
    if kind == "war":
        north, south = two_factions(world)
        return events.event_create(world=world, kind=kind, aggressor=north, defender=south, severity=6)
    effects = {"safety": -20, "deaths": 5, "prices": 1.5} if kind == "custom" else None
    return events.event_create(world=world, kind=kind, settlement=towns[0], severity=9, effects=effects)


@pytest.mark.parametrize("kind", [k for k in WorldEvent.Kind.values])
def test_each_kind_of_event_lands_once_per_region_on_the_worker(celery_worker_process, kind, client):
    event = _event(kind)

    start_id = events.event_start_dispatch(event=event)

    done = wait_for(
        lambda: WorldEvent.objects.filter(pk=event.pk, status=WorldEvent.Status.ACTIVE).first(), timeout=60
    )
    impacts = list(EventImpact.objects.filter(event=event))
    assert impacts and all(i.status == "applied" and i.attempts == 1 and i.task_id for i in impacts)
    assert done.summary["applied"] == len(impacts) and done.summary["failed"] == []
    assert done.applied_at is not None and done.started_tick == 0 and done.ends_tick == done.duration_ticks
    # Region tasks left results the GM can read; the summary line names every region's entry as a cause.
    wait_for(lambda: TaskResult.objects.filter(task_id=start_id, status="SUCCESS").exists())
    region_results = TaskResult.objects.filter(task_id__in=[i.task_id for i in impacts], status="SUCCESS")
    assert region_results.count() == len(impacts)
    summary_entry = ChronicleEntry.objects.get(world=event.world, data__summary__isnull=False)
    assert set(summary_entry.causes.values_list("pk", flat=True)) == {i.chronicle_entry_id for i in impacts}
    # The console shows it: its regions applied, and the summary.
    client.force_login(make_user(is_staff=True))
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert event.title in page and page.count(">Applied<") == len(impacts)
    assert all(i.region.name in page for i in impacts)
    # A second start (a redelivered message) opens nothing and applies nothing again.
    from world.tasks.events import event_start_task

    again = event_start_task.delay(event.pk).get(timeout=30)
    assert again["skipped"] is True
    assert [(i.pk, i.attempts) for i in EventImpact.objects.filter(event=event)] == [
        (i.pk, 1) for i in impacts
    ]
