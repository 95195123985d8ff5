"""A broker that is down gives a clear, quick error and loses nothing."""

import time

import pytest
from django.core.management import CommandError, call_command
from kombu.exceptions import OperationalError

from tests.world.world_fixtures import small_world
from world.models import TickRun
from world.services import ticks

pytestmark = pytest.mark.django_db


def test_dispatch_fails_fast_with_operational_error(dead_broker, django_capture_on_commit_callbacks):
    world = small_world(regions=1)
    started = time.monotonic()
    with pytest.raises(OperationalError), django_capture_on_commit_callbacks(execute=True):
        ticks.world_tick_dispatch(world=world)
    assert time.monotonic() - started < 10
    assert TickRun.objects.count() == 0  # nothing half-started


def test_simulate_says_the_broker_is_down(dead_broker):
    small_world(regions=1)
    with pytest.raises(CommandError, match="Cannot reach the broker"):
        call_command("simulate", "--ticks", "1")
    assert TickRun.objects.count() == 0
