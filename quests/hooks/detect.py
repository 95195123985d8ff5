"""Detection: each kind of trouble as a pure function of the snapshot, all of them ranked."""

from __future__ import annotations

from collections import defaultdict

from economy.goods import DRINK, NOURISHMENT

from .casting import cast, good_cast_preferences
from .ranking import rank
from .snapshot import (
    CHRONICLE_EVENT,
    CHRONICLE_WINDOW_TICKS,
    COMFORT,
    CONQUEST,
    DANGEROUS_ROUTE,
    DEAR_GOODS,
    HUNGER,
    HUNGRY_BELOW,
    KNOWLEDGE,
    PROTECTION,
    SAFETY,
    SERENITY,
    SHORTAGE,
    UNMET_NEEDS,
    UNSAFE_BELOW,
    UNSAFE_END,
    WAR,
    WAR_FRONT,
    WEALTH,
    GoodInfo,
    HookCandidate,
    NpcInfo,
    SettlementInfo,
    WorldSnapshot,
    enemy_pair,
    people_by_settlement,
)

# --- Thresholds ---------------------------------------------------------------------------

SHORTAGE_STOCK_PERCENT = 25  # stock below this share of the merchants' target is a shortage
DEAR_PRICE_PERCENT = 200  # a price at or above this share of the base price is dear
UNMET_MIN_NPCS = 3  # a settlement needs at least this many NPCs with a need unmet ...
UNMET_MIN_PERCENT = 20  # ... and at least this share of its NPCs
# A route ending where people feel this unsafe on average is dangerous. NPC safety drifts to its
# settlement's level (npcs.sim.settlement_safety: 40 with no walls and no guards), settling a few
# points above it, so a guardless place averages 45–47 and one with walls or guards 55 or more.
DANGEROUS_AVERAGE_SAFETY_BELOW = 48
# A trouble touching many people outranks the same trouble in a hamlet: severity is scaled by
# REACH_FLOOR_PERCENT for a place without people, rising to 100 % at REACH_FULL_NPCS NPCs.
REACH_FLOOR_PERCENT = 50
REACH_FULL_NPCS = 100


def reach(snapshot: WorldSnapshot, settlement_id: int, severity: int) -> int:
    """`severity` scaled by how many people the place has (see REACH_FLOOR_PERCENT)."""
    needs = snapshot.needs.get(settlement_id)
    npcs = min(REACH_FULL_NPCS, needs.npcs if needs else 0)
    percent = REACH_FLOOR_PERCENT + (100 - REACH_FLOOR_PERCENT) * npcs // REACH_FULL_NPCS
    return max(0, min(100, severity * percent // 100))


def good_facts(town: SettlementInfo, good: GoodInfo) -> dict:
    """The market numbers behind a hook about one good in one town."""
    return {
        "settlement": town.name,
        "item": good.code,
        "item_name": good.name,
        "quantity": good.quantity,
        "target": good.target,
        "price": good.price,
        "base_price": good.base_price,
        "demand": good.demand,
        "supply": good.supply,
    }


def detect_shortages(snapshot: WorldSnapshot, people: dict[int, list[NpcInfo]]) -> list[HookCandidate]:
    """A good whose stock fell below SHORTAGE_STOCK_PERCENT of what the merchants like to hold."""
    found = []
    for good in snapshot.goods:
        town = snapshot.settlements.get(good.settlement_id)
        if town is None or good.target <= 0 or good.quantity * 100 >= good.target * SHORTAGE_STOCK_PERCENT:
            continue
        edible = good.code in NOURISHMENT or good.code == DRINK
        shortfall = (good.target - good.quantity) * 100 // good.target
        giver, involved = cast(
            people.get(town.id, ()),
            good_cast_preferences(good.code, merchant_first=False),
            touched_first=HUNGER if edible else None,
        )
        found.append(
            HookCandidate(
                kind=SHORTAGE,
                key=f"shortage:settlement:{town.id}:{good.code}",
                motivation=COMFORT if edible else WEALTH,
                severity=reach(snapshot, town.id, shortfall if edible else shortfall * 7 // 10),
                summary=f"{good.name} is short in {town.name}: {good.quantity} in stock, "
                f"the merchants want {good.target}.",
                settlement_id=town.id,
                region_id=town.region_id,
                item_id=good.item_id,
                giver_id=giver,
                involved_ids=involved,
                facts={**good_facts(town, good), "shortfall_percent": shortfall},
            )
        )
    return found


def detect_dear_goods(
    snapshot: WorldSnapshot, people: dict[int, list[NpcInfo]], *, skip: set[tuple[int, int]] = frozenset()
) -> list[HookCandidate]:
    """A good selling at DEAR_PRICE_PERCENT of its base price or more (`skip`: (settlement, item)
    pairs already reported as shortages, whose high price the shortage explains)."""
    found = []
    for good in snapshot.goods:
        town = snapshot.settlements.get(good.settlement_id)
        if town is None or (town.id, good.item_id) in skip:
            continue
        ratio = good.price * 100 // max(1, good.base_price)
        if ratio < DEAR_PRICE_PERCENT:
            continue
        giver, involved = cast(people.get(town.id, ()), good_cast_preferences(good.code, merchant_first=True))
        found.append(
            HookCandidate(
                kind=DEAR_GOODS,
                key=f"dear_goods:settlement:{town.id}:{good.code}",
                motivation=WEALTH,
                severity=reach(snapshot, town.id, min(100, (ratio - 100) * 100 // 300) * 8 // 10),
                summary=f"{good.name} is dear in {town.name}: {good.price} cp, "
                f"{ratio / 100:.1f}× its usual {good.base_price} cp.",
                settlement_id=town.id,
                region_id=town.region_id,
                item_id=good.item_id,
                giver_id=giver,
                involved_ids=involved,
                facts={**good_facts(town, good), "price_percent": ratio},
            )
        )
    return found


NEED_HOOKS = {
    # need: (motivation, preferred givers, severity weight in tenths, what it looks like)
    HUNGER: (COMFORT, ("priest", "innkeeper", "baker", "merchant"), 10, "go hungry"),
    # Lower: a place without walls or guards feels unsafe for good, so it should not crowd
    # out sudden troubles.
    SAFETY: (SERENITY, ("guard", "priest"), 5, "feel unsafe"),
}


def detect_unmet_needs(snapshot: WorldSnapshot, people: dict[int, list[NpcInfo]]) -> list[HookCandidate]:
    """Many NPCs of one settlement with hunger or safety below the thresholds."""
    found = []
    for needs in snapshot.needs.values():
        town = snapshot.settlements.get(needs.settlement_id)
        if town is None or needs.npcs <= 0:
            continue
        for need, affected, average, threshold in (
            (HUNGER, needs.hungry, needs.average_hunger, HUNGRY_BELOW),
            (SAFETY, needs.unsafe, needs.average_safety, UNSAFE_BELOW),
        ):
            share = affected * 100 // needs.npcs
            if affected < UNMET_MIN_NPCS or share < UNMET_MIN_PERCENT:
                continue
            motivation, preferred, weight, looks = NEED_HOOKS[need]
            giver, involved = cast(people.get(town.id, ()), preferred, touched_first=need)
            found.append(
                HookCandidate(
                    kind=UNMET_NEEDS,
                    key=f"unmet_needs:settlement:{town.id}:{need}",
                    motivation=motivation,
                    severity=reach(snapshot, town.id, min(100, share * weight // 10)),
                    summary=f"{affected} of {needs.npcs} people of {town.name} {looks}.",
                    settlement_id=town.id,
                    region_id=town.region_id,
                    giver_id=giver,
                    involved_ids=involved,
                    facts={
                        "settlement": town.name,
                        "need": need,
                        "threshold": threshold,
                        "affected": affected,
                        "npcs": needs.npcs,
                        "affected_percent": share,
                        "average": average,
                    },
                )
            )
    return found


ROUTE_KIND_SEVERITY = {"trail": 10, "road": 0, "sea": -10}


def detect_dangerous_routes(snapshot: WorldSnapshot, people: dict[int, list[NpcInfo]]) -> list[HookCandidate]:
    """Routes a traveller should fear.

    The simulation has no bandits or monsters yet, so danger is read from facts it does
    have: a route between settlements of two factions at war (stance Enemy: a war front),
    or a route ending at a settlement whose NPCs feel unsafe on average (average safety
    below DANGEROUS_AVERAGE_SAFETY_BELOW: no walls and too few guards). A war front wins
    when both hold. The hook sits at the endpoint where the danger is felt (the less safe
    end; on a front, the larger town), and its giver is a guard there, else a merchant.
    """
    found = []
    for route in snapshot.routes:
        a, b = snapshot.settlements.get(route.a_id), snapshot.settlements.get(route.b_id)
        if a is None or b is None:
            continue
        safety_a = snapshot.needs[a.id].average_safety if a.id in snapshot.needs else None
        safety_b = snapshot.needs[b.id].average_safety if b.id in snapshot.needs else None
        at_war = a.faction_id != b.faction_id and enemy_pair(a.faction_id, b.faction_id) in snapshot.enemies
        unsafe = [
            (s, town)
            for s, town in ((safety_a, a), (safety_b, b))
            if s is not None and s < DANGEROUS_AVERAGE_SAFETY_BELOW
        ]
        if not at_war and not unsafe:
            continue
        if at_war:
            here, there = (a, b) if (a.population, -a.id) >= (b.population, -b.id) else (b, a)
            severity, reason = 90, WAR_FRONT
        else:
            lowest, here = min(unsafe, key=lambda pair: (pair[0], pair[1].id))
            there = b if here is a else a
            severity = 30 + (DANGEROUS_AVERAGE_SAFETY_BELOW - lowest) * 5
            reason = UNSAFE_END
        severity = max(0, min(100, severity + ROUTE_KIND_SEVERITY.get(route.kind, 0)))
        giver, involved = cast(people.get(here.id, ()), ("guard", "merchant"), touched_first=SAFETY, limit=3)
        other_side = cast(people.get(there.id, ()), ("merchant", "guard"), limit=1)[1]
        factions = [
            snapshot.factions[f].name for f in (here.faction_id, there.faction_id) if f in snapshot.factions
        ]
        why = "a war front" if at_war else f"people in {here.name} feel unsafe"
        found.append(
            HookCandidate(
                kind=DANGEROUS_ROUTE,
                key=f"dangerous_route:route:{route.id}",
                motivation=PROTECTION,
                severity=severity,
                summary=f"The {route.kind} between {here.name} and {there.name} is dangerous: {why}.",
                settlement_id=here.id,
                region_id=here.region_id,
                route_id=route.id,
                faction_id=here.faction_id,
                rival_faction_id=there.faction_id if at_war else None,
                giver_id=giver,
                involved_ids=tuple(dict.fromkeys((*involved, *other_side))),
                facts={
                    "reason": reason,
                    "route_kind": route.kind,
                    "distance_km": round(route.distance_km, 1),
                    "from": here.name,
                    "to": there.name,
                    "from_id": here.id,
                    "to_id": there.id,
                    "factions": factions,
                    "average_safety": {
                        here.name: _safety_of(snapshot, here.id),
                        there.name: _safety_of(snapshot, there.id),
                    },
                },
            )
        )
    return found


def _safety_of(snapshot: WorldSnapshot, settlement_id: int) -> int | None:
    needs = snapshot.needs.get(settlement_id)
    return needs.average_safety if needs else None


CHRONICLE_HOOKS = {
    # entry kind: (motivation, preferred givers, severity)
    "event": (KNOWLEDGE, ("priest", "guard", "merchant"), 50),
    "economy": (WEALTH, ("merchant",), 40),
}


def detect_chronicle_events(snapshot: WorldSnapshot, people: dict[int, list[NpcInfo]]) -> list[HookCandidate]:
    """Recent event and economy entries of the chronicle that happened somewhere.

    World-wide entries (no settlement, such as "markets opened") name no place to send a
    party to, so they raise no hook.
    """
    found = []
    for entry in snapshot.chronicle:
        town = snapshot.settlements.get(entry.settlement_id) if entry.settlement_id else None
        if (
            town is None
            or entry.kind not in CHRONICLE_HOOKS
            or entry.tick + CHRONICLE_WINDOW_TICKS < snapshot.tick
        ):
            continue
        motivation, preferred, severity = CHRONICLE_HOOKS[entry.kind]
        giver, involved = cast(people.get(town.id, ()), preferred)
        found.append(
            HookCandidate(
                kind=CHRONICLE_EVENT,
                key=f"chronicle_event:chronicle:{entry.id}",
                motivation=motivation,
                severity=severity,
                summary=f"In {town.name}: {entry.text}"[:300],
                settlement_id=town.id,
                region_id=town.region_id,
                chronicle_entry_id=entry.id,
                giver_id=giver,
                involved_ids=involved,
                facts={
                    "settlement": town.name,
                    "entry_id": entry.id,
                    "entry_kind": entry.kind,
                    "tick": entry.tick,
                    "text": entry.text,
                },
            )
        )
    return found


def detect_wars(snapshot: WorldSnapshot, people: dict[int, list[NpcInfo]]) -> list[HookCandidate]:
    """Two factions at war (stance Enemy either way). The hook sits at the front: the border town
    of the weaker side with most routes into enemy land, defending it (protection); when the
    two share no route, at the stronger side's capital, planning the attack (conquest)."""
    strength: dict[int, int] = defaultdict(int)
    for town in snapshot.settlements.values():
        strength[town.faction_id] += town.population
    front: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for route in snapshot.routes:
        a, b = snapshot.settlements.get(route.a_id), snapshot.settlements.get(route.b_id)
        if a is None or b is None or a.faction_id == b.faction_id:
            continue
        pair = enemy_pair(a.faction_id, b.faction_id)
        if pair in snapshot.enemies:
            front[pair][a.id] += 1
            front[pair][b.id] += 1
    found = []
    for pair in sorted(snapshot.enemies):
        f1, f2 = (snapshot.factions.get(f) for f in pair)
        if f1 is None or f2 is None or f1.is_neutral or f2.is_neutral:
            continue
        weaker, stronger = sorted(pair, key=lambda f: (strength[f], f))
        border = front.get(pair, {})
        if border:
            candidates = [
                snapshot.settlements[s] for s in border if snapshot.settlements[s].faction_id == weaker
            ]
            candidates = candidates or [snapshot.settlements[s] for s in border]
            town = max(candidates, key=lambda t: (border[t.id], t.population, -t.id))
            motivation, severity = PROTECTION, 100
        else:
            own = [t for t in snapshot.settlements.values() if t.faction_id == stronger]
            if not own:
                continue
            town = max(own, key=lambda t: (t.is_capital, t.population, -t.id))
            motivation, severity = CONQUEST, 80
        enemy = pair[1] if town.faction_id == pair[0] else pair[0]
        giver, involved = cast(people.get(town.id, ()), ("guard", "merchant"))
        ours, theirs = snapshot.factions[town.faction_id].name, snapshot.factions[enemy].name
        found.append(
            HookCandidate(
                kind=WAR,
                key=f"war:factions:{pair[0]}:{pair[1]}",
                motivation=motivation,
                severity=severity,
                summary=f"{ours} and {theirs} are at war; {town.name} "
                + ("stands on the front." if border else "gathers for the attack."),
                settlement_id=town.id,
                region_id=town.region_id,
                faction_id=town.faction_id,
                rival_faction_id=enemy,
                giver_id=giver,
                involved_ids=involved,
                facts={
                    "settlement": town.name,
                    "factions": [ours, theirs],
                    "faction_ids": [town.faction_id, enemy],
                    "border_routes": sum(border.values()) // 2,
                    "strength": {ours: strength[town.faction_id], theirs: strength[enemy]},
                },
            )
        )
    return found


def hooks_detect(snapshot: WorldSnapshot) -> list[HookCandidate]:
    """Every trouble of the snapshot as a candidate, ranked. Uncapped: a scan refreshes every
    known trouble it still sees, and caps only the new ones (`hooks_pick_new`)."""
    people = people_by_settlement(snapshot.npcs)
    shortages = detect_shortages(snapshot, people)
    short = {(c.settlement_id, c.item_id) for c in shortages}
    return rank(
        [
            *shortages,
            *detect_dear_goods(snapshot, people, skip=short),
            *detect_unmet_needs(snapshot, people),
            *detect_dangerous_routes(snapshot, people),
            *detect_chronicle_events(snapshot, people),
            *detect_wars(snapshot, people),
        ]
    )
