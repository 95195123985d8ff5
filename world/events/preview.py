"""Pure preview of an event: run a region's next hours twice on copies, without and with the event.

The difference between the two runs is the event's predicted effect: people lost, needs,
prices and production. Nothing here touches the database; the loader is in
world/events/services/previewing.py.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from economy.sim import MarketBook
from world import sim
from world.events import sim as event_sim

WATCHED_GOODS = ("bread", "wheat", "flour", "meat", "fish", "ale-mug", "iron", "hammer")


@dataclass(frozen=True)
class RegionRun:
    people: int
    hunger: float
    safety: float
    prices: dict[str, float]
    produced: Counter


def _run(
    npcs: list[sim.NpcState],
    books: dict[int, MarketBook],
    safety: dict[int, int],
    *,
    hours: list[int],
    first_tick: int,
    modifiers: event_sim.Modifiers | Mapping[int, event_sim.Modifiers],
) -> RegionRun:
    produced: Counter = Counter()
    for index, hour in enumerate(hours):
        tick = first_tick + index
        for npc in npcs:
            npc.last_tick = tick - 1
        stats = sim.region_hour(npcs, books, safety, hour=hour, tick=tick, modifiers=modifiers)
        produced.update(stats.produced)
    people = len(npcs) or 1
    prices: dict[str, float] = {}
    for code in WATCHED_GOODS:
        values = [b.stocks[code].price for b in books.values() if code in b.stocks]
        if values:
            prices[code] = round(sum(values) / len(values), 1)
    return RegionRun(
        people=len(npcs),
        hunger=round(sum(n.hunger for n in npcs) / people, 1),
        safety=round(sum(n.safety for n in npcs) / people, 1),
        prices=prices,
        produced=produced,
    )


def shocked(
    npcs: list[sim.NpcState],
    books: dict[int, MarketBook],
    shocks: Mapping[int, event_sim.Shock],
    *,
    seed: int,
    epicentre: int | None,
) -> tuple[list[sim.NpcState], int, int]:
    """The region right after the shock (copies; each town its own shock): who stayed, deaths, refugees."""
    people: dict[int, list[int]] = {}
    for npc in npcs:
        people.setdefault(npc.settlement_id, []).append(npc.id)
    dead, fled = event_sim.casualties(people, shocks, seed)
    event_sim.stock_shock(books, shocks, epicentre)
    return [n for n in npcs if n.id not in dead and n.id not in fled], len(dead), len(fled)


def preview_region(
    npcs: list[sim.NpcState],
    books: dict[int, MarketBook],
    safety: dict[int, int],
    *,
    kind: str,
    towns: Mapping[int, float],
    effects: dict | None,
    hours: list[int],
    first_tick: int,
    seed: int,
    epicentre: int | None = None,
) -> dict:
    """Predicted effects of an event on one region over `hours`: [baseline, with the event] pairs.

    `towns` maps each settlement the event reaches to its intensity there.
    """
    base = _run(
        copy.deepcopy(npcs),
        copy.deepcopy(books),
        safety,
        hours=hours,
        first_tick=first_tick,
        modifiers=event_sim.NO_MODIFIERS,
    )
    shocks = {t: event_sim.shock_for(kind, i, effects) for t, i in towns.items()}
    hit_books = copy.deepcopy(books)
    survivors, deaths, refugees = shocked(
        copy.deepcopy(npcs), hit_books, shocks, seed=seed, epicentre=epicentre
    )
    per_town = {t: event_sim.modifiers_for(kind, i, effects) for t, i in towns.items()}
    hit = _run(survivors, hit_books, safety, hours=hours, first_tick=first_tick, modifiers=per_town)
    goods = sorted(set(base.produced) | set(hit.produced))
    strongest = max(towns.values(), default=0.0)
    return {
        "intensity": strongest,
        "deaths": deaths,
        "refugees": refugees,
        "people": [base.people, hit.people],
        "needs": {"hunger": [base.hunger, hit.hunger], "safety": [base.safety, hit.safety]},
        "prices": {c: [base.prices[c], hit.prices.get(c, base.prices[c])] for c in base.prices},
        "production": {c: [base.produced.get(c, 0), hit.produced.get(c, 0)] for c in goods},
        "modifiers": event_sim.modifiers_for(kind, strongest, effects).as_dict(),
    }
