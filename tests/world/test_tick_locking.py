"""A purse written by another transaction while a shard runs is not overwritten (PostgreSQL row locks)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from npcs.models import Npc
from tests.world.world_fixtures import small_world
from world.services import ticks

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_concurrent_purse_write_survives_the_shard():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: nothing can interleave")
    world = small_world(regions=1, towns_per_region=1)
    npc = Npc.objects.filter(world=world, profession="guard").order_by("id").first()
    start = ticks.tick_begin(world=world)
    locked = threading.Event()

    def reward_the_guard():  # e.g. a quest's escrow released while the tick runs
        try:
            with transaction.atomic():
                row = Npc.objects.select_for_update().get(pk=npc.pk)
                locked.set()
                time.sleep(1.0)
                row.purse += 1000
                row.save(update_fields=["purse"])
        finally:
            connections.close_all()

    writer = threading.Thread(target=reward_the_guard)
    writer.start()
    locked.wait(5)
    ticks.region_tick_apply(world_id=world.pk, tick=start.run.tick, region_id=start.region_ids[0])
    writer.join()

    npc.refresh_from_db()
    assert npc.purse >= 1000  # 100 to start, +1000 reward, ± an hour of wages and meals: the reward is kept
