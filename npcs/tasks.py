"""Per-NPC tasks for targeted use (a GM poking one NPC, a player acting).

The world tick never sends these: it runs whole regions in `world.tick_region`. They share
its service code, and `bench/tick.py` uses them as the naive one-task-per-NPC design.
"""

from __future__ import annotations

import logging

from celery import shared_task

from npcs import services
from npcs.services import NpcNotFound

logger = logging.getLogger(__name__)

_LIMITS = {"soft_time_limit": 20, "time_limit": 30}


def _missing(npc_id: int, exc: Exception) -> dict:
    logger.warning("%s", exc)
    return {"npc": npc_id, "error": str(exc)}


@shared_task(name="npcs.needs_update", ignore_result=True, **_LIMITS)
def npc_needs_update_task(npc_id: int) -> dict:
    try:
        return services.npc_needs_update(npc_id=npc_id)
    except NpcNotFound as exc:
        return _missing(npc_id, exc)


@shared_task(name="npcs.routine_execution", ignore_result=True, **_LIMITS)
def npc_routine_execution_task(npc_id: int, routine_step: int) -> dict:
    try:
        return services.npc_routine_execute(npc_id=npc_id, routine_step=routine_step)
    except NpcNotFound as exc:
        return _missing(npc_id, exc)


@shared_task(name="npcs.decision_making", **_LIMITS)
def npc_decision_making_task(npc_id: int, world_state: dict | None = None) -> dict:
    """A utility-AI choice now; an LLM will take the rare complex choice on the `llm` queue later."""
    try:
        return services.npc_decide(npc_id=npc_id, world_state=world_state)
    except NpcNotFound as exc:
        return _missing(npc_id, exc)


@shared_task(name="npcs.observe_environment", **_LIMITS)
def npc_observe_environment_task(npc_id: int) -> dict:
    try:
        return services.npc_observe(npc_id=npc_id)
    except NpcNotFound as exc:
        return _missing(npc_id, exc)


@shared_task(name="npcs.production", ignore_result=True, **_LIMITS)
def process_npc_production_task(npc_id: int) -> dict:
    try:
        return services.npc_produce(npc_id=npc_id)
    except NpcNotFound as exc:
        return _missing(npc_id, exc)


@shared_task(name="npcs.consumption", ignore_result=True, **_LIMITS)
def process_npc_consumption_task(npc_id: int) -> dict:
    try:
        return services.npc_consume(npc_id=npc_id)
    except NpcNotFound as exc:
        return _missing(npc_id, exc)


@shared_task(name="npcs.character_observe", **_LIMITS)
def character_observe_task(character_id: int) -> dict:
    """A player's character looks around (GM-visible result, polled through the API)."""
    try:
        return services.character_observe(character_id=character_id)
    except NpcNotFound as exc:
        logger.warning("%s", exc)
        return {"character": character_id, "error": str(exc)}
