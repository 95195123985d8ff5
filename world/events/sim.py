"""Pure maths of world events: who is hit how hard, what that does to an hour, what it costs at once.

Nothing here touches the database. The event services load the route graph and a region's
rows into plain values, call these functions, and write the results back in bulk.

- `reach` turns an epicentre and a severity into an intensity (0..1) per region, falling off
  with the number of route hops from the epicentre (roads and sea lanes alike).
- `modifiers_for` says what an event in force does to each hour of a region's tick: production
  lost, safety and hunger shifted, extra demand at the markets. `Modifiers.combine` stacks events.
- `shock_for` says what an impact does once, when it lands: deaths, refugees, goods destroyed,
  prices jolted.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from economy.sim import MarketBook, price_bounds

FLOOD = "flood"
PLAGUE = "plague"
FAMINE = "famine"
FIRE = "fire"
FESTIVAL = "festival"
WAR = "war"
QUEST = "quest"
CUSTOM = "custom"

MIN_INTENSITY = 0.1  # below this a region does not notice the event
WAR_FLOOR = 0.25  # every region of a country at war feels it, however far from the front


@dataclass(frozen=True)
class Spread:
    """How an event's intensity falls off: multiplied by `decay` per route hop, up to `max_hops`."""

    decay: float
    max_hops: int


SPREAD: dict[str, Spread] = {
    FLOOD: Spread(0.5, 3),
    PLAGUE: Spread(0.7, 6),
    FAMINE: Spread(0.7, 5),
    FIRE: Spread(0.35, 1),
    FESTIVAL: Spread(0.5, 2),
    QUEST: Spread(0.5, 1),
    CUSTOM: Spread(0.5, 3),
    WAR: Spread(0.75, 12),
}


# --- reach: which regions, how hard ---------------------------------------------------------


def hops_from(sources: Iterable[int], links: Mapping[int, Iterable[int]], max_hops: int) -> dict[int, int]:
    """Breadth-first route hops from any of `sources` (settlement ids), up to `max_hops`."""
    hops = {s: 0 for s in sources}
    queue = deque(hops)
    while queue:
        here = queue.popleft()
        if hops[here] >= max_hops:
            continue
        for there in links.get(here, ()):
            if there not in hops:
                hops[there] = hops[here] + 1
                queue.append(there)
    return hops


Reach = dict[int, tuple[int, float]]  # id (settlement or region) -> (hops, intensity)


def by_region(towns: Mapping[int, tuple[int, float]], region_of: Mapping[int, int]) -> Reach:
    """A region is as close as its nearest town and as hard hit as its hardest-hit one."""
    out: dict[int, tuple[int, float]] = {}
    for town, (hop, intensity) in towns.items():
        region = region_of.get(town)
        if region is None:
            continue
        before = out.get(region)
        out[region] = (hop, intensity) if before is None else (min(before[0], hop), max(before[1], intensity))
    return out


def intensity_at(severity: int, hops: int, spread: Spread) -> float:
    return round(max(0.0, min(1.0, severity / 10)) * spread.decay**hops, 3)


def town_reach(
    *, kind: str, severity: int, epicentre: Iterable[int], links: Mapping[int, Iterable[int]]
) -> Reach:
    """Settlement id -> (hops, intensity) for every town the event touches (intensity ≥ MIN_INTENSITY).

    Intensity is per town, not per region: a region's far side (the scattered neutral lands,
    say) only feels what reaches it over the roads.
    """
    spread = SPREAD.get(kind, SPREAD[CUSTOM])
    out = {}
    for town, hop in hops_from(epicentre, links, spread.max_hops).items():
        intensity = intensity_at(severity, hop, spread)
        if intensity >= MIN_INTENSITY:
            out[town] = (hop, intensity)
    return out


def reach(
    *,
    kind: str,
    severity: int,
    epicentre: Iterable[int],
    links: Mapping[int, Iterable[int]],
    region_of: Mapping[int, int],
) -> Reach:
    """Region id -> (hops, intensity) for every region the event touches."""
    return by_region(town_reach(kind=kind, severity=severity, epicentre=epicentre, links=links), region_of)


ALLY_SHARE = 0.5  # an ally called to arms feels the war at this share of the intensity
ALLIED_STANCES = frozenset({"Ally", "Vassal", "Suzerain"})


def war_allies(
    aggressor: int, defender: int, stances: Mapping[tuple[int, int], str]
) -> tuple[set[int], set[int]]:
    """Factions drawn in on each side: those allied to (or vassal/suzerain of) one side and not the other.

    `stances[(a, b)]` is how faction a regards faction b (Azgaar's diplomacy). A faction bound
    to both sides stays out.
    """

    def bound(faction: int, side: int) -> bool:
        return (
            stances.get((faction, side)) in ALLIED_STANCES or stances.get((side, faction)) in ALLIED_STANCES
        )

    factions = {f for pair in stances for f in pair} - {aggressor, defender}
    with_aggressor = {f for f in factions if bound(f, aggressor) and not bound(f, defender)}
    with_defender = {f for f in factions if bound(f, defender) and not bound(f, aggressor)}
    return with_aggressor, with_defender


def war_town_reach(
    *,
    severity: int,
    sides: tuple[set[int], set[int]],
    links: Mapping[int, Iterable[int]],
    allies: tuple[set[int], set[int]] = (set(), set()),
) -> Reach:
    """Every town of both sides; hardest at the front (few hops from the enemy), never below WAR_FLOOR.

    `sides` and `allies` are settlement ids. Allies' towns feel the war at ALLY_SHARE, measured
    from the enemy's own lands (with its allies, they are the enemy too).
    """
    spread = SPREAD[WAR]
    out: dict[int, tuple[int, float]] = {}
    camps = (sides[0] | allies[0], sides[1] | allies[1])
    for index in (0, 1):
        if not sides[index] or not sides[1 - index]:
            continue
        from_enemy = hops_from(camps[1 - index], links, spread.max_hops)
        for town in camps[index]:
            hop = from_enemy.get(town, spread.max_hops)
            intensity = max(round(WAR_FLOOR * severity / 10, 3), intensity_at(severity, hop, spread))
            if town in allies[index]:
                intensity = round(intensity * ALLY_SHARE, 3)
            if intensity > out.get(town, (0, 0.0))[1]:
                out[town] = (hop, intensity)
    return out


def war_reach(
    *,
    severity: int,
    sides: tuple[set[int], set[int]],
    links: Mapping[int, Iterable[int]],
    region_of: Mapping[int, int],
    allies: tuple[set[int], set[int]] = (set(), set()),
) -> Reach:
    """Region id -> (hops, intensity) for a war: see `war_town_reach`."""
    return by_region(war_town_reach(severity=severity, sides=sides, links=links, allies=allies), region_of)


# --- lasting effects: what each hour of a region feels -----------------------------------------


@dataclass(frozen=True)
class Modifiers:
    """What the events in force do to one hour of a region.

    `production` maps a profession to the share of its work hours that still produce ("*"
    applies to every producer); `safety` shifts how safe settlements feel; `hunger` is extra
    hunger lost per hour; `social` extra social gained; `demand` extra units each market is
    asked for per hour (an army buying iron, a festival drinking ale).
    """

    production: Mapping[str, float] = field(default_factory=dict)
    safety: int = 0
    hunger: int = 0
    social: int = 0
    demand: Mapping[str, int] = field(default_factory=dict)

    def production_factor(self, profession: str) -> float:
        return self.production.get(profession, 1.0) * self.production.get("*", 1.0)

    @property
    def is_neutral(self) -> bool:
        return not (self.production or self.safety or self.hunger or self.social or self.demand)

    @staticmethod
    def combine(many: Iterable[Modifiers]) -> Modifiers:
        production: dict[str, float] = {}
        demand: dict[str, int] = {}
        safety = hunger = social = 0
        for m in many:
            for key, factor in m.production.items():
                production[key] = round(production.get(key, 1.0) * factor, 3)
            for code, extra in m.demand.items():
                demand[code] = demand.get(code, 0) + extra
            safety += m.safety
            hunger += m.hunger
            social += m.social
        return Modifiers(production, safety, hunger, social, demand)

    def as_dict(self) -> dict:
        return {
            "production": dict(self.production),
            "safety": self.safety,
            "hunger": self.hunger,
            "social": self.social,
            "demand": dict(self.demand),
        }


NO_MODIFIERS = Modifiers()

# Each kind at full intensity. Production factors are scaled towards 1 by intensity.
PROFILES: dict[str, Modifiers] = {
    FLOOD: Modifiers(
        production={"farmer": 0.0, "miller": 0.5, "herder": 0.5, "fisher": 0.6},
        safety=-15,
        demand={"wheat": 4},
    ),
    PLAGUE: Modifiers(production={"*": 0.6}, safety=-20, social=-8),
    FAMINE: Modifiers(
        production={"farmer": 0.2, "herder": 0.5, "hunter": 0.6, "fisher": 0.7}, hunger=2, demand={"bread": 4}
    ),
    FIRE: Modifiers(production={"*": 0.5}, safety=-15, demand={"hammer": 2}),
    WAR: Modifiers(
        production={"farmer": 0.7, "herder": 0.7}, safety=-35, demand={"iron": 4, "hammer": 2, "meat": 2}
    ),
    FESTIVAL: Modifiers(safety=10, social=10, demand={"ale-mug": 8, "meat": 3}),
    QUEST: Modifiers(safety=10, social=5),
}

CUSTOM_KEYS = {"safety": (-50, 50), "hunger": (-10, 10), "production": (0.0, 1.0), "prices": (0.25, 4.0)}
CUSTOM_SHOCK_KEYS = {"deaths": (0.0, 20.0), "refugees": (0.0, 30.0)}  # percent of the region's people


def custom_profile(effects: Mapping[str, float]) -> Modifiers:
    production = effects.get("production")
    return Modifiers(
        production={"*": float(production)} if production is not None else {},
        safety=int(effects.get("safety", 0)),
        hunger=int(effects.get("hunger", 0)),
    )


def scaled(profile: Modifiers, intensity: float) -> Modifiers:
    """A profile felt at `intensity`: factors move towards 1, shifts shrink, rounded to whole points."""
    i = max(0.0, min(1.0, intensity))
    return Modifiers(
        production={k: round(1 - (1 - f) * i, 3) for k, f in profile.production.items()},
        safety=round(profile.safety * i),
        hunger=round(profile.hunger * i),
        social=round(profile.social * i),
        demand={k: round(v * i) for k, v in profile.demand.items() if round(v * i)},
    )


def modifiers_for(kind: str, intensity: float, effects: Mapping[str, float] | None = None) -> Modifiers:
    profile = custom_profile(effects or {}) if kind == CUSTOM else PROFILES.get(kind, NO_MODIFIERS)
    return scaled(profile, intensity)


def works(npc_id: int, tick: int, factor: float) -> bool:
    """Whether a producer's hour still produces under `factor` (a deterministic draw: ticks repeat)."""
    if factor >= 1.0:
        return True
    if factor <= 0.0:
        return False
    draw = ((npc_id * 2654435761 + tick * 40503) % 1000) / 1000
    return draw < factor


# --- the shock: what happens once, when the impact lands -------------------------------------


@dataclass(frozen=True)
class Shock:
    """One-off effects of an impact on a region (shares of people; shares of stock)."""

    death_rate: float = 0.0
    refugee_rate: float = 0.0
    stock_loss: Mapping[str, float] = field(default_factory=dict)  # good ("*" = all) -> share destroyed
    price_factor: float = 1.0
    epicentre_only_losses: bool = False


SHOCKS: dict[str, Shock] = {
    FLOOD: Shock(0.005, 0.05, {"wheat": 0.6, "flour": 0.5, "bread": 0.3}),
    PLAGUE: Shock(0.04, 0.02),
    FAMINE: Shock(0.01, 0.03, {"wheat": 0.4, "bread": 0.2}),
    FIRE: Shock(0.01, 0.03, {"*": 0.4}, epicentre_only_losses=True),
    WAR: Shock(0.015, 0.04, {"meat": 0.3, "wheat": 0.2}),
}


def shock_for(kind: str, intensity: float, effects: Mapping[str, float] | None = None) -> Shock:
    i = max(0.0, min(1.0, intensity))
    if kind == CUSTOM:
        effects = effects or {}
        return Shock(
            death_rate=float(effects.get("deaths", 0.0)) / 100 * i,
            refugee_rate=float(effects.get("refugees", 0.0)) / 100 * i,
            price_factor=1 + (float(effects.get("prices", 1.0)) - 1) * i,
        )
    base = SHOCKS.get(kind)
    if base is None:
        return Shock()
    # Only the hard-hit flee; the others stay and suffer.
    refugees = base.refugee_rate * i if i >= 0.4 else 0.0
    return Shock(
        death_rate=base.death_rate * i,
        refugee_rate=refugees,
        stock_loss={k: round(v * i, 3) for k, v in base.stock_loss.items()},
        epicentre_only_losses=base.epicentre_only_losses,
    )


def pick(ids: Iterable[int], share: float, seed: int) -> list[int]:
    """A deterministic `share` of `ids` (rounded), the same for the same seed."""
    ordered = sorted(ids, key=lambda i: ((i * 2654435761) ^ (seed * 40503)) % 1_000_003)
    return ordered[: round(len(ordered) * share)]


def stock_lost(quantity: int, code: str, shock: Shock) -> int:
    share = shock.stock_loss.get(code, shock.stock_loss.get("*", 0.0))
    return min(quantity, round(quantity * share))


def jolted(price: int, factor: float, low: int, high: int) -> int:
    return max(low, min(high, round(price * factor)))


def casualties(
    people: Mapping[int, Sequence[int]], shocks: Mapping[int, Shock], seed: int
) -> tuple[set[int], set[int]]:
    """Who dies and who flees, town by town (`people`: town -> NPC ids): (dead, fled), disjoint."""
    dead: set[int] = set()
    fled: set[int] = set()
    for town, shock in shocks.items():
        here = people.get(town, ())
        town_dead = set(pick(here, shock.death_rate, seed + town))
        dead |= town_dead
        fled |= set(pick([i for i in here if i not in town_dead], shock.refugee_rate, seed + town + 1))
    return dead, fled


def stock_shock(
    books: Mapping[int, MarketBook], shocks: Mapping[int, Shock], epicentre: int | None
) -> Counter:
    """Destroy goods and jolt prices in each shocked town's market (in place); returns what was lost."""
    lost: Counter = Counter()
    for settlement_id, book in books.items():
        shock = shocks.get(settlement_id)
        if shock is None or (shock.epicentre_only_losses and settlement_id != epicentre):
            continue
        for code, stock in book.stocks.items():
            gone = stock_lost(stock.quantity, code, shock)
            if gone:
                stock.quantity -= gone
                lost[code] += gone
            if shock.price_factor != 1.0:
                stock.price = jolted(stock.price, shock.price_factor, *price_bounds(stock.base_price))
    return lost


def refuge_for(settlement: int, links: Mapping[int, Iterable[int]], hit: Mapping[int, float]) -> int | None:
    """Where people of `settlement` flee: the nearest town (by hops) hit less hard (`hit`: town -> intensity)."""
    here = hit.get(settlement, 0.0)
    best = None
    for other, hop in hops_from([settlement], links, 6).items():
        if other == settlement:
            continue
        there = hit.get(other, 0.0)
        if there < here and (best is None or (hop, there, other) < best):
            best = (hop, there, other)
    return best[2] if best else None


def goods_touched(kind: str, effects: Mapping[str, float] | None = None) -> frozenset[str] | None:
    """The goods whose price an event moves directly (None: all of them).

    Made by a profession the event slows, asked for by the event, or destroyed by it. A price
    spike of any other good is the market's own weather, not the event's doing.
    """
    from economy.goods import RECIPES

    profile = custom_profile(effects or {}) if kind == CUSTOM else PROFILES.get(kind, NO_MODIFIERS)
    shock = shock_for(kind, 1.0, effects)
    if "*" in profile.production or "*" in shock.stock_loss or shock.price_factor != 1.0:
        return None
    goods = set(profile.demand) | set(shock.stock_loss)
    for profession in profile.production:
        recipe = RECIPES.get(profession)
        if recipe is not None:
            goods |= set(recipe.outputs)
    return frozenset(goods)
