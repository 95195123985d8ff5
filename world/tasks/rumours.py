"""Rumour tasks: start a rumour at an NPC, spread every rumour of a world one step."""

from __future__ import annotations

import logging

from celery import shared_task

from npcs.models import Npc
from world.models import World
from world.rumours import services
from world.tasks.ticks import NO_SUCH_WORLD, schedule_world_id

logger = logging.getLogger(__name__)

BAD_NPC_ID = "source_npc_id must be an integer id of an NPC, got {value!r}"
BAD_TICK = "tick must be a whole number of at least 1, got {value!r}"
NO_SUCH_NPC = "No NPC with id {npc_id}; no rumour started."


def _whole_number(value, message: str) -> int:
    """Arguments may come from a schedule typed by hand: "12" is fine, 12.5, True or "x" are not."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(message.format(value=value))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(message.format(value=value)) from None


@shared_task(name="world.propagate_information", soft_time_limit=30, time_limit=60)
def propagate_information_task(information_details: dict, source_npc_id: int) -> dict:
    """Start a rumour: `source_npc_id` begins telling `information_details` to whoever it meets.

    The details are a JSON object, e.g. {"what": "a flood", "place": "Searing", "deaths": 12}
    or with a "template": "A flood at {place} drowned {deaths} people". It spreads at the ticks.
    """
    details = services.rumour_details_check(information_details)
    npc_id = _whole_number(source_npc_id, BAD_NPC_ID)
    npc = Npc.objects.select_related("world").filter(pk=npc_id).first()
    if npc is None:
        logger.warning(NO_SUCH_NPC.format(npc_id=npc_id))
        return {"error": NO_SUCH_NPC.format(npc_id=npc_id)}
    if not npc.is_alive:
        message = services.NPC_DEAD.format(npc=npc.name)
        logger.warning(message)
        return {"error": message}
    rumour = services.rumour_start(world=npc.world, source_npc=npc, details=details)
    return {
        "rumour": rumour.pk,
        "world": npc.world_id,
        "npc": npc.pk,
        "settlement": rumour.origin_settlement_id,
        "tick": rumour.started_tick,
        "text": rumour.text,
    }


@shared_task(name="world.rumours_spread", acks_late=True, soft_time_limit=120, time_limit=180)
def rumours_spread_task(world_id: int, tick: int) -> dict:
    """One step of every spreading rumour of a world at `tick`; a second run for the same tick does nothing."""
    world_id = schedule_world_id(world_id)
    tick = _whole_number(tick, BAD_TICK)
    if tick < 1:
        raise ValueError(BAD_TICK.format(value=tick))
    world = World.objects.filter(pk=world_id).first()
    if world is None:
        logger.warning(NO_SUCH_WORLD.format(world_id=world_id))
        return {"error": NO_SUCH_WORLD.format(world_id=world_id)}
    return services.rumours_spread(world=world, tick=tick)
