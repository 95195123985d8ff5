"""Writes about single NPCs, for targeted use (a GM poking one NPC, a player acting).

They share the tick's code: the same `NpcState`, the same pure hour functions in `world.sim`
and `npcs.sim`, the same market books. The tick does the same work for a whole region at once.
"""

from __future__ import annotations

from django.db import transaction

from economy.services.books import books_load, books_save
from gmconsole.dispatch import dispatch_on_commit
from npcs import sim as npc_sim
from npcs.models import Npc, PlayerCharacter
from npcs.selectors import settlement_safety_level
from world import sim
from world.events.services import impacts_in_force, modifiers_by_town
from world.events.sim import Modifiers
from world.models import World
from world.services.ticks import npc_states, npc_states_save

NPC_NOT_FOUND = "No living NPC with id {npc_id}."
CHARACTER_NOT_FOUND = "No player character with id {character_id}."
BAD_ROUTINE_STEP = "routine_step must be an hour 0–23, got {value!r}"


class NpcNotFound(LookupError):
    pass


def _locked_npc(npc_id: int) -> sim.NpcState:
    states = npc_states(Npc.objects.select_for_update().filter(pk=npc_id, is_alive=True))
    if not states:
        raise NpcNotFound(NPC_NOT_FOUND.format(npc_id=npc_id))
    return states[0]


def _safety(npc: sim.NpcState) -> int:
    return settlement_safety_level(settlement_id=npc.settlement_id)


def _modifiers(npc_id: int) -> Modifiers:
    """The events in force in this NPC's region now: the tick's shards feel the same ones."""
    row = (
        Npc.objects.filter(pk=npc_id).values_list("region_id", "settlement_id", "world__current_tick").first()
    )
    if row is None:
        return Modifiers()
    region_id, settlement_id, tick = row
    return modifiers_by_town(impacts_in_force(region_id=region_id, tick=tick)).get(settlement_id, Modifiers())


def _current_hour(npc_id: int) -> int:
    world = World.objects.filter(npcs__id=npc_id).only("current_tick", "hours_per_tick").first()
    return (world.current_tick * world.hours_per_tick) % 24 if world else 12


@transaction.atomic
def npc_needs_update(*, npc_id: int) -> dict:
    """One hour of need decay for one NPC, given what it is doing now."""
    npc = _locked_npc(npc_id)
    modifiers = _modifiers(npc_id)
    npc.set_needs(
        npc_sim.decay_needs(npc.needs, npc.activity, npc_sim.clamp(_safety(npc) + modifiers.safety))
    )
    npc.hunger = npc_sim.clamp(npc.hunger - modifiers.hunger)
    npc_states_save([npc])
    return {"npc": npc_id, "hunger": npc.hunger, "rest": npc.rest, "social": npc.social, "safety": npc.safety}


def npc_decide(*, npc_id: int, world_state: dict | None = None) -> dict:
    """The utility choice for this hour, with its scores (read only; an LLM may do this later)."""
    states = npc_states(Npc.objects.filter(pk=npc_id, is_alive=True))
    if not states:
        raise NpcNotFound(NPC_NOT_FOUND.format(npc_id=npc_id))
    npc = states[0]
    world_state = world_state or {}
    hour = int(world_state.get("hour", _current_hour(npc_id))) % 24
    scheduled = npc_sim.routine_activity(npc.profession, hour, npc.id)
    scores = npc_sim.utility_scores(npc.needs, scheduled, npc.purse)
    choice = npc_sim.choose_activity(npc.needs, scheduled, npc.purse)
    return {
        "npc": npc_id,
        "hour": hour,
        "scheduled": scheduled,
        "choice": choice,
        "scores": {k: round(v, 3) for k, v in scores.items()},
    }


def _with_market(npc_id: int, action) -> tuple[sim.NpcState, sim.HourStats]:
    """Run `action(npc, book, stats)` on one NPC and its settlement's market, locked, then save both."""
    with transaction.atomic():
        npc = _locked_npc(npc_id)
        loaded = books_load(settlement_ids=[npc.settlement_id], lock=True)
        stats = sim.HourStats()
        action(npc, loaded.books.get(npc.settlement_id), stats)
        npc_states_save([npc])
        books_save(loaded)
    return npc, stats


def npc_routine_execute(*, npc_id: int, routine_step: int) -> dict:
    """Do what the routine (and the NPC's needs) say for hour `routine_step`: the tick's step for one NPC."""
    if isinstance(routine_step, bool) or not isinstance(routine_step, int) or not 0 <= routine_step <= 23:
        raise ValueError(BAD_ROUTINE_STEP.format(value=routine_step))

    def step(npc, book, stats):
        # A targeted step sits outside the tick's bookkeeping: it leaves last_tick as it was.
        last_tick = npc.last_tick
        sim.npc_hour(
            npc,
            hour=routine_step,
            tick=last_tick + 1,
            book=book,
            safety_level=_safety(npc),
            stats=stats,
            modifiers=_modifiers(npc_id),
        )
        npc.last_tick = last_tick

    npc, stats = _with_market(npc_id, step)
    return {"npc": npc_id, "activity": npc.activity, "purse": npc.purse, "hunger": npc.hunger}


def npc_produce(*, npc_id: int) -> dict:
    """One hour of this NPC's work (production or wages)."""
    modifiers = _modifiers(npc_id)
    npc, stats = _with_market(npc_id, lambda npc, book, stats: sim.work(npc, book, 0, stats, modifiers))
    return {
        "npc": npc_id,
        "produced": dict(stats.produced),
        "idle": dict(stats.idle_reasons),
        "purse": npc.purse,
    }


def npc_consume(*, npc_id: int) -> dict:
    """This NPC eats a meal (market, larder, or goes hungry)."""
    npc, stats = _with_market(npc_id, sim.eat)
    return {"npc": npc_id, "hunger": npc.hunger, "bought": stats.meals_bought, "hungry": stats.went_hungry}


def settlement_observations(*, settlement_id: int, safety: int) -> list[str]:
    """What anyone in a settlement can notice: empty shelves, dear goods, how safe it feels."""
    book = books_load(settlement_ids=[settlement_id]).books.get(settlement_id)
    observations = []
    if book is not None:
        for code, stock in sorted(book.stocks.items()):
            if stock.target and stock.quantity < stock.target // 4:
                observations.append(f"{code} is running short at the market ({stock.quantity} left)")
            if stock.price >= 2 * stock.base_price:
                observations.append(f"{code} costs {stock.price} cp, twice what it used to")
    else:
        observations.append("there is no market here")
    observations.append("the streets feel safe" if safety >= 60 else "people here feel unsafe")
    return observations


def npc_observe(*, npc_id: int) -> dict:
    """The NPC takes in its surroundings; its feeling of safety moves towards the place's."""
    with transaction.atomic():
        npc = _locked_npc(npc_id)
        safety = _safety(npc)
        observations = settlement_observations(settlement_id=npc.settlement_id, safety=safety)
        npc.safety = npc_sim.clamp(
            npc.safety + round((safety - npc.safety) * npc_sim.SAFETY_PULL_PERCENT / 100)
        )
        npc_states_save([npc])
    return {"npc": npc_id, "observations": observations, "safety": npc.safety}


def character_observe(*, character_id: int) -> dict:
    """What a player's character notices where it stands (read only)."""
    character = PlayerCharacter.objects.select_related("settlement").filter(pk=character_id).first()
    if character is None:
        raise NpcNotFound(CHARACTER_NOT_FOUND.format(character_id=character_id))
    safety = settlement_safety_level(settlement_id=character.settlement_id)
    return {
        "character": character_id,
        "settlement": character.settlement.name,
        "observations": settlement_observations(settlement_id=character.settlement_id, safety=safety),
    }


# --- dispatch: services queue the named tasks and return the task id ----------------------


def npc_action_dispatch(*, npc: Npc, action: str, **kwargs) -> str:
    """Queue one of the per-NPC tasks after commit; returns its task id."""
    from npcs import tasks

    task = {
        "needs": tasks.npc_needs_update_task,
        "routine": tasks.npc_routine_execution_task,
        "decide": tasks.npc_decision_making_task,
        "observe": tasks.npc_observe_environment_task,
        "produce": tasks.process_npc_production_task,
        "consume": tasks.process_npc_consumption_task,
    }[action]
    return dispatch_on_commit(task, npc.pk, **kwargs)


def character_observe_dispatch(*, character: PlayerCharacter) -> str:
    """A player's look around, on the workers (the API answers 202 with the status URL)."""
    from npcs.tasks import character_observe_task

    return dispatch_on_commit(character_observe_task, character.pk)
