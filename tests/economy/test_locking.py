"""Locks taken while a region's markets are written cover the market rows only, never the shared items.

Locking the joined items too made two regions' tasks (tick shards, event impacts) deadlock on
PostgreSQL, each holding some items the other wanted.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from economy.models import MarketStock
from economy.services.books import books_load
from economy.services.pricing import market_price_update
from tests.world.world_fixtures import small_world

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no row locks: the whole file is locked")
def test_locking_a_regions_books_never_locks_the_items():
    world = small_world(regions=1)
    region_id = world.regions.get().pk
    stock = MarketStock.objects.filter(market__world=world).first()
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        books_load(region_id=region_id, lock=True)
        market_price_update(market_id=stock.market_id, item_id=stock.item_id)
    locking = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    stock_locks = [sql for sql in locking if "economy_item" in sql]
    assert stock_locks and all('FOR UPDATE OF "economy_marketstock"' in sql for sql in stock_locks)
