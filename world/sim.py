"""Pure maths of one world hour for one shard (a region): every NPC, then every market.

The tick service loads a region's rows into these plain objects, calls `region_hour`, and
writes the objects back in bulk. Nothing here touches the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from economy import sim as market
from economy.goods import DRINK, NOURISHMENT, RECIPES, TAX_HOUR, TOOL, WAGES_FROM_MARKET, WAGES_FROM_TREASURY
from npcs import sim as npc_sim
from npcs.sim import EAT, SLEEP, SOCIALISE, WORK, Needs
from world.events.sim import NO_MODIFIERS, Modifiers, works

TOOL_WEAR_ONE_IN = 200  # a producer's tool wears out about once in this many work hours
LARDER_TARGET = 2  # meals an NPC likes to keep at home


@dataclass(slots=True)
class NpcState:
    id: int
    settlement_id: int
    profession: str
    hunger: int
    rest: int
    social: int
    safety: int
    activity: str
    purse: int
    food: int
    last_tick: int

    @property
    def needs(self) -> Needs:
        return Needs(self.hunger, self.rest, self.social, self.safety)

    def set_needs(self, needs: Needs) -> None:
        self.hunger, self.rest, self.social, self.safety = (
            needs.hunger,
            needs.rest,
            needs.social,
            needs.safety,
        )


@dataclass(slots=True)
class HourStats:
    npcs: int = 0
    skipped: int = 0  # already applied for this tick
    activities: Counter = field(default_factory=Counter)
    meals_bought: int = 0
    meals_at_home: int = 0
    went_hungry: int = 0
    drinks: int = 0
    tools_bought: int = 0
    wages: int = 0
    taxes: int = 0
    produced: Counter = field(default_factory=Counter)
    consumed: Counter = field(default_factory=Counter)
    idle_reasons: Counter = field(default_factory=Counter)
    trade_cp: int = 0

    def as_dict(self) -> dict:
        return {
            "npcs": self.npcs,
            "skipped": self.skipped,
            "activities": dict(self.activities),
            "meals_bought": self.meals_bought,
            "meals_at_home": self.meals_at_home,
            "went_hungry": self.went_hungry,
            "drinks": self.drinks,
            "tools_bought": self.tools_bought,
            "wages": self.wages,
            "taxes": self.taxes,
            "produced": dict(self.produced),
            "consumed": dict(self.consumed),
            "idle_reasons": dict(self.idle_reasons),
            "trade_cp": self.trade_cp,
        }


def eat(npc: NpcState, book: market.MarketBook | None, stats: HourStats) -> None:
    """Eat a meal: bought at the market if possible, else from the larder, else go hungry."""
    code = market.best_food(book, npc.purse) if book else None
    if code is not None:
        cost = market.buy(book, code, 1, npc.purse)
        if cost is not None:
            npc.purse -= cost
            npc.hunger = npc_sim.clamp(npc.hunger + NOURISHMENT[code])
            stats.meals_bought += 1
            stats.consumed[code] += 1
            stats.trade_cp += cost
            # Keep a meal or two at home for lean days, if money allows.
            if npc.food < LARDER_TARGET and npc.purse >= 3 * book.stocks[code].price:
                extra = market.buy(book, code, 1, npc.purse)
                if extra is not None:
                    npc.purse -= extra
                    npc.food += 1
                    stats.trade_cp += extra
            return
    if book is not None:
        # Nothing affordable on the shelves: the wish to eat still counts as demand for bread.
        for food in NOURISHMENT:
            if food in book.stocks:
                book.stocks[food].demand += 1
                break
    if npc.food > 0:
        npc.food -= 1
        npc.hunger = npc_sim.clamp(npc.hunger + npc_sim.HOME_MEAL_NOURISHMENT)
        stats.meals_at_home += 1
    else:
        stats.went_hungry += 1


def work(
    npc: NpcState,
    book: market.MarketBook | None,
    tick: int,
    stats: HourStats,
    modifiers: Modifiers = NO_MODIFIERS,
) -> None:
    """An hour of work: producers make goods for the market; guards, priests, merchants draw wages.

    An event in force (a flooded field, a closed mine) takes away a share of producers' hours.
    """
    if book is None:
        stats.idle_reasons["no-market"] += 1
        return
    recipe = RECIPES.get(npc.profession)
    if recipe is not None:
        if not works(npc.id, tick, modifiers.production_factor(npc.profession)):
            stats.idle_reasons["event"] += 1
            return
        outcome = market.work_hour(book, recipe, npc.purse)
        if outcome.reason:
            stats.idle_reasons[outcome.reason] += 1
        else:
            npc.purse += outcome.purse_delta
            stats.produced.update(outcome.produced)
            stats.consumed.update(outcome.consumed)
            stats.trade_cp += abs(outcome.purse_delta)
        # Tools wear out now and then; a deterministic draw keeps ticks repeatable.
        if (npc.id * 7919 + tick) % TOOL_WEAR_ONE_IN == 0:
            cost = market.buy(book, TOOL, 1, npc.purse)
            if cost is not None:
                npc.purse -= cost
                stats.tools_bought += 1
                stats.consumed[TOOL] += 1
                stats.trade_cp += cost
        return
    if npc.profession in WAGES_FROM_TREASURY:
        wage = WAGES_FROM_TREASURY[npc.profession]
        if book.treasury >= wage:
            book.treasury -= wage
            npc.purse += wage
            stats.wages += wage
        else:
            stats.idle_reasons["unpaid"] += 1
    elif npc.profession in WAGES_FROM_MARKET:
        wage = WAGES_FROM_MARKET[npc.profession]
        if book.cash >= wage:
            book.cash -= wage
            npc.purse += wage
            stats.wages += wage
        else:
            stats.idle_reasons["unpaid"] += 1


def socialise(npc: NpcState, book: market.MarketBook | None, stats: HourStats) -> None:
    npc.social = npc_sim.clamp(npc.social + npc_sim.SOCIAL_GAIN)
    if book is not None and npc.purse >= 20:
        cost = market.buy(book, DRINK, 1, npc.purse)
        if cost is not None:
            npc.purse -= cost
            npc.social = npc_sim.clamp(npc.social + npc_sim.SOCIAL_GAIN_WITH_DRINK)
            stats.drinks += 1
            stats.consumed[DRINK] += 1
            stats.trade_cp += cost


def npc_hour(
    npc: NpcState,
    *,
    hour: int,
    tick: int,
    book: market.MarketBook | None,
    safety_level: int,
    stats: HourStats,
    modifiers: Modifiers = NO_MODIFIERS,
) -> bool:
    """Apply one hour to one NPC. Returns False when this tick was already applied to it."""
    if npc.last_tick >= tick:
        stats.skipped += 1
        return False
    scheduled = npc_sim.routine_activity(npc.profession, hour, npc.id)
    activity = npc_sim.choose_activity(npc.needs, scheduled, npc.purse)
    npc.set_needs(npc_sim.decay_needs(npc.needs, activity, npc_sim.clamp(safety_level + modifiers.safety)))
    if modifiers.hunger:
        npc.hunger = npc_sim.clamp(npc.hunger - modifiers.hunger)
    if modifiers.social:
        npc.social = npc_sim.clamp(npc.social + modifiers.social)
    if activity == EAT:
        eat(npc, book, stats)
    elif activity == WORK:
        work(npc, book, tick, stats, modifiers)
    elif activity == SOCIALISE:
        socialise(npc, book, stats)
    if hour == TAX_HOUR and book is not None:
        tax = market.wealth_tax(npc.purse)
        npc.purse -= tax
        book.treasury += tax
        stats.taxes += tax
    npc.activity = activity
    npc.last_tick = tick
    stats.npcs += 1
    stats.activities[activity] += 1
    return True


def reset_flows(books: dict[int, market.MarketBook]) -> None:
    for book in books.values():
        for stock in book.stocks.values():
            stock.demand = 0
            stock.supply = 0


def region_hour(
    npcs: list[NpcState],
    books: dict[int, market.MarketBook],
    safety_levels: dict[int, int],
    *,
    hour: int,
    tick: int,
    modifiers: Modifiers | Mapping[int, Modifiers] = NO_MODIFIERS,
) -> HourStats:
    """One hour for a whole region: each NPC in id order, then each market's prices.

    `modifiers` are the events in force (world.events.sim): lost production, shifted needs, and
    extra demand the markets feel before prices move — one set for the whole region, or one per
    settlement id (each town at its own distance from the event; towns not listed feel nothing).
    """

    def felt(settlement_id: int) -> Modifiers:
        if isinstance(modifiers, Modifiers):
            return modifiers
        return modifiers.get(settlement_id, NO_MODIFIERS)

    stats = HourStats()
    reset_flows(books)
    for npc in sorted(npcs, key=lambda n: n.id):
        npc_hour(
            npc,
            hour=hour,
            tick=tick,
            book=books.get(npc.settlement_id),
            safety_level=safety_levels.get(npc.settlement_id, 50),
            stats=stats,
            modifiers=felt(npc.settlement_id),
        )
    for settlement_id, book in books.items():
        for code, extra in felt(settlement_id).demand.items():
            if code in book.stocks:
                book.stocks[code].demand += extra
        market.update_prices(book)
    return stats


__all__ = ["SLEEP", "HourStats", "NpcState", "region_hour", "npc_hour"]
