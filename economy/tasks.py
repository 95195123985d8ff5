"""Economy tasks for targeted use; the tick updates prices inside its region shards."""

from __future__ import annotations

import logging

from celery import shared_task

from economy.services import pricing

logger = logging.getLogger(__name__)


@shared_task(name="economy.update_market_prices", soft_time_limit=20, time_limit=30)
def update_market_prices_task(market_id: int, item_id: int) -> dict:
    try:
        return pricing.market_price_update(market_id=market_id, item_id=item_id)
    except pricing.StockNotFound as exc:
        logger.warning("%s", exc)
        return {"error": str(exc)}


@shared_task(name="economy.global_tick", soft_time_limit=240, time_limit=300)
def run_global_economic_tick_task(world_id: int | None = None) -> dict:
    """Every market's prices at once (outside the world tick, e.g. after a GM edits stock)."""
    return pricing.economy_global_tick(world_id=world_id)
