import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.world.world_fixtures import small_world
from world.models import TickRun

pytestmark = pytest.mark.django_db


def test_simulate_inline_prints_each_tick_and_a_summary():
    world = small_world(regions=2)
    out = StringIO()

    call_command("simulate", "--ticks", "3", "--inline", stdout=out)

    lines = out.getvalue().splitlines()
    tick_lines = [line for line in lines if line.startswith("tick")]
    assert len(tick_lines) == 3
    assert re.match(r"tick\s+1\s+\d+ ms\s+72 NPC updates\s+2/2 shards", tick_lines[0])
    assert any(line.startswith(f"{world.name}: tick 3 (day 1, 03:00), 72 NPCs") for line in lines)
    assert TickRun.objects.filter(world=world, status=TickRun.Status.DONE).count() == 3


def test_simulate_without_a_world_says_so():
    with pytest.raises(CommandError, match="No world"):
        call_command("simulate", "--inline")


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_simulate_runs_through_the_workers(celery_worker_process):
    world = small_world(regions=2)
    out = StringIO()

    call_command("simulate", "--ticks", "2", stdout=out)

    assert len([line for line in out.getvalue().splitlines() if line.startswith("tick")]) == 2
    runs = TickRun.objects.filter(world=world, status=TickRun.Status.DONE)
    assert {r.trigger for r in runs} == {TickRun.Trigger.SIMULATE} and runs.count() == 2
