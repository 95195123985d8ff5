"""A broker that is down gives a clear, quick error and loses nothing."""

import time

import pytest
from django.core.management import CommandError, call_command
from kombu.exceptions import OperationalError

from gmconsole.celery import app as celery_app
from gmconsole.embedded_redis import free_port
from tests.world.world_fixtures import small_world
from world.models import TickRun
from world.services import ticks

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_broker(settings):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    saved = (celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool)
    # Fresh pools for the dead URL (the pools keep the URL they were made with); the live ones
    # are put back untouched afterwards.
    celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = url, None, None
    yield url
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved


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
