"""The demo world gets a clocked festival at its biggest capital, once."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from tests.world.event_fixtures import linked_world
from world.models import Settlement, WorldEvent

pytestmark = pytest.mark.django_db


def test_demo_events_clocks_one_festival_at_the_biggest_capital_and_only_once(capsys):
    world, towns = linked_world(regions=2)
    Settlement.objects.filter(pk=towns[2].pk).update(is_capital=True, population=9000)
    call_command("demo_events", "--in-seconds", "60")
    call_command("demo_events")
    event = WorldEvent.objects.get(world=world)
    assert (event.kind, event.settlement_id, event.status) == ("festival", towns[2].pk, "pending")
    task = PeriodicTask.objects.get(task="world.event_start")
    assert task.one_off and task.clocked.clocked_time == event.starts_at and task.args == f"[{event.pk}]"
    assert "has events already" in capsys.readouterr().out
