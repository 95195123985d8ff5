"""Pure maths of rumours: who tells whom (Daley–Kendall spreaders and stiflers) and how news blurs.

Nothing here touches the database. The rumour service loads the world's living people and
routes into a `Society`, a rumour's spreaders into `Hearing`s, calls `spread_step` once per
tick and writes what it returns back in bulk.

The model (Daley–Kendall in the Maki–Thompson form: the teller decides), per step (one tick):
- every spreader makes `contacts` attempts to tell someone: mostly a neighbour in its own
  settlement; merchants and innkeepers (who meet travellers) often reach someone in a settlement
  linked to theirs by a road or sea lane, anyone else now and then (see `abroad_chance`);
- telling an ignorant NPC makes it a spreader of a blurred version, believed a little less;
- telling someone who already knows counts a knower for the teller; after `stifle_after`
  knowers the spreader falls silent (a stifler). Spreaders who have told it for `patience`
  ticks tire of it, and one with nobody in reach falls silent at once, so every rumour stops;
- the rumour stops when no spreaders are left. As in Daley–Kendall, some never hear it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

CARRIERS = frozenset({"merchant", "innkeeper"})  # they meet people from the linked settlements


@dataclass(frozen=True, slots=True)
class SpreadParams:
    contacts: int = 2  # attempts to tell someone, per spreader and tick
    carrier_travel: float = 0.5  # chance a merchant's or innkeeper's contact is in a linked settlement
    traveller: float = 0.04  # the same chance for anyone else (a trip to the next town)
    strangers: float = 3.0  # in a place of n NPCs, at least this many faces in n are from elsewhere
    stifle_after: int = 2  # knowers met before a spreader falls silent
    patience: int = 48  # ticks a spreader keeps telling it before it tires
    belief_decay: float = 0.85  # belief kept per mouth (times a 0.9–1.0 jitter)
    belief_floor: float = 0.05
    number_growth: float = 0.3  # chance each number grows at a retelling
    growth_min: float = 1.1
    growth_max: float = 1.4
    name_slip: float = 0.12  # chance each place or person name is swapped for a neighbour's
    interest: float = 1.0  # chance a new hearer cares enough to pass it on (small news: less)


DEFAULT_PARAMS = SpreadParams()
SMALL_NEWS = 3  # severity up to this is small news: few care to retell it, and not far
BIG_NEWS = 8  # severity from this on is big news: people keep talking


def newsworthy(details: Mapping, params: SpreadParams = DEFAULT_PARAMS) -> SpreadParams:
    """How a rumour with a `severity` (1–10, as events give) spreads: most people don't bother to
    retell a village fair, while a war keeps everyone talking. Without a severity (a GM's own
    gossip) the params are left as they are."""
    severity = details.get("severity")
    if isinstance(severity, bool) or not isinstance(severity, int | float):
        return params
    if severity <= SMALL_NEWS:
        return replace(params, interest=0.1 + 0.05 * severity, carrier_travel=params.carrier_travel / 2)
    if severity >= BIG_NEWS:
        return replace(params, stifle_after=params.stifle_after + 1)
    return params


# Keys whose values are identifiers or bookkeeping: they never blur.
FIXED_KEYS = frozenset({"id", "tick", "year", "day", "template", "kind", "event", "severity"})


# --- the people -----------------------------------------------------------------------------


@dataclass(slots=True)
class Society:
    """Who lives where and who travels: the social graph a rumour moves on (living NPCs only)."""

    settlement_of: dict[int, int]  # NPC id → settlement id
    profession_of: dict[int, str]
    npc_names: dict[int, str]
    residents: dict[int, list[int]]  # settlement id → NPC ids, sorted
    neighbours: dict[int, list[int]]  # settlement id → settlements linked by a route, sorted
    settlement_names: dict[int, str]
    place_alternatives: dict[str, list[str]] = field(default_factory=dict)  # name → neighbours' names
    person_names: frozenset[str] = frozenset()

    def is_alive(self, npc_id: int) -> bool:
        return npc_id in self.settlement_of


def society_build(
    *,
    npcs: Iterable[tuple[int, int, str, str]],
    routes: Iterable[tuple[int, int]],
    settlement_names: Mapping[int, str],
) -> Society:
    """From (id, settlement id, profession, name) of the living NPCs and the (a, b) route pairs."""
    settlement_of: dict[int, int] = {}
    profession_of: dict[int, str] = {}
    npc_names: dict[int, str] = {}
    residents: dict[int, list[int]] = {}
    for npc_id, settlement_id, profession, name in sorted(npcs):
        settlement_of[npc_id] = settlement_id
        profession_of[npc_id] = profession
        npc_names[npc_id] = name
        residents.setdefault(settlement_id, []).append(npc_id)
    linked: dict[int, set[int]] = {}
    for a, b in routes:
        if a != b:
            linked.setdefault(a, set()).add(b)
            linked.setdefault(b, set()).add(a)
    neighbours = {sid: sorted(others) for sid, others in linked.items()}
    names = dict(settlement_names)
    place_alternatives: dict[str, list[str]] = {}
    for sid, others in neighbours.items():
        if sid in names:
            alternatives = sorted({names[o] for o in others if o in names} - {names[sid]})
            if alternatives:
                place_alternatives.setdefault(names[sid], alternatives)
    return Society(
        settlement_of=settlement_of,
        profession_of=profession_of,
        npc_names=npc_names,
        residents=residents,
        neighbours=neighbours,
        settlement_names=names,
        place_alternatives=place_alternatives,
        person_names=frozenset(npc_names.values()),
    )


# --- blurring -------------------------------------------------------------------------------


def belief_after(teller_belief: float, rng: random.Random, params: SpreadParams = DEFAULT_PARAMS) -> float:
    """How much a listener believes what it is told: less than the teller, never below the floor."""
    believed = teller_belief * params.belief_decay * rng.uniform(0.9, 1.0)
    return round(max(params.belief_floor, min(teller_belief, believed)), 3)


def grow_number(value: int | float, rng: random.Random, params: SpreadParams = DEFAULT_PARAMS):
    """A number retold: sometimes bigger (12 → 15 → 20), never smaller; zero and negatives stay."""
    if value <= 0 or rng.random() >= params.number_growth:
        return value
    factor = rng.uniform(params.growth_min, params.growth_max)
    if isinstance(value, int):
        return max(value + 1, math.ceil(value * factor))
    return round(value * factor, 2)


def blur_details(
    details: Mapping,
    *,
    rng: random.Random,
    place_alternatives: Mapping[str, Sequence[str]],
    person_names: frozenset[str] | set[str] = frozenset(),
    acquaintances: Sequence[str] = (),
    params: SpreadParams = DEFAULT_PARAMS,
) -> dict:
    """The teller's version of `details` as the listener will hold it (a new dict).

    Numbers may grow; a settlement's name may slip to one of its neighbours' (place_alternatives);
    a person's name (one of `person_names`) may slip to someone the teller knows (acquaintances).
    Keys in FIXED_KEYS or ending in "_id" keep their values; nested dicts and lists blur too.
    """

    def blur(key: str | None, value):
        if key is not None and (key in FIXED_KEYS or key.endswith("_id")):
            return value
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int | float):
            return grow_number(value, rng, params)
        if isinstance(value, str):
            if value in place_alternatives and rng.random() < params.name_slip:
                return rng.choice(place_alternatives[value])
            if value in person_names and rng.random() < params.name_slip:
                others = [name for name in acquaintances if name != value]
                if others:
                    return rng.choice(others)
            return value
        if isinstance(value, Mapping):
            return {k: blur(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [blur(key, v) for v in value]
        return value

    return {k: blur(str(k), v) for k, v in details.items()}


# --- telling --------------------------------------------------------------------------------

HEDGES = (  # (belief at least, what the NPC adds when telling it)
    (0.8, ""),
    (0.5, " So they say."),
    (0.25, " Or so I heard, from someone who heard it from someone."),
    (0.0, " Some fool told me; I doubt it."),
)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _headline(details: Mapping) -> str:
    what = details.get("what") or details.get("kind") or "news"
    place = details.get("place") or details.get("where") or details.get("settlement")
    head = f"{what} at {place}" if place else str(what)
    shown = {"what", "place", "where", "settlement"}
    facts = [
        f"{k.replace('_', ' ')} {v}"
        for k, v in details.items()
        if k not in shown
        and k not in FIXED_KEYS
        and not k.endswith("_id")
        and isinstance(v, str | int | float)
        and not isinstance(v, bool)
    ]
    head = head[:1].upper() + head[1:]
    return f"{head}: {', '.join(facts)}." if facts else f"{head}."


def _from_template(template: str, details: Mapping) -> str:
    fields = _Blank({k: v for k, v in details.items() if k != "template"})
    try:
        text = template.format_map(fields)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        text = template  # a template it cannot fill ({0}, {a.b}, a bad format spec): shown as written
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def render_text(details: Mapping, *, belief: float = 1.0) -> str:
    """The words an NPC uses for its version of the news, hedged by how much it believes it.

    With a `template` in the details (str.format style, e.g. "A flood at {place} drowned {deaths}
    people") the template is filled from the NPC's version; otherwise a headline is built from
    `what` and `place` (or `where`/`settlement`) followed by the other facts.
    """
    template = details.get("template")
    if isinstance(template, str) and template.strip():
        text = _from_template(template, details)
    else:
        text = _headline(details)
    return text + next(hedge for least, hedge in HEDGES if belief >= least)


# --- one step -------------------------------------------------------------------------------


@dataclass(slots=True)
class Hearing:
    """One NPC's hold on a rumour. `id` is None until written."""

    npc_id: int
    settlement_id: int  # where it was heard
    heard_tick: int
    hops: int
    details: dict
    belief: float
    is_spreading: bool = True
    knowers_met: int = 0
    heard_from: int | None = None
    text: str = ""
    id: int | None = None


@dataclass(slots=True)
class StepOutcome:
    new: list[Hearing] = field(default_factory=list)  # first hearings, in the order they happened
    changed: list[Hearing] = field(default_factory=list)  # spreaders whose counters or state moved
    contacts: int = 0
    told: int = 0
    knowers: int = 0
    fell_silent: int = 0

    def spreaders_left(self, spreaders: Sequence[Hearing]) -> int:
        return sum(h.is_spreading for h in spreaders) + sum(h.is_spreading for h in self.new)


def rumour_rng(rumour_id: int, tick: int) -> random.Random:
    """The same rumour at the same tick always spreads the same way."""
    return random.Random(f"rumour:{rumour_id}:tick:{tick}")


def abroad_chance(profession: str, residents: int, params: SpreadParams = DEFAULT_PARAMS) -> float:
    """Chance that one contact is with someone of a linked settlement.

    Merchants and innkeepers meet travellers all the time; anyone else now and then, and the
    smaller the place the larger the share of strangers among the faces one meets (at least
    `strangers` in `residents`): a lone NPC only ever talks to people from the next town. This
    keeps the spread about the same whether an NPC stands for 100 people or 1,000: on Mones a
    rumour reaches a median 93% of the settlements at 1,000 people per NPC and 98% at 100 (with
    one stranger in n, only 37% at 1,000, where small places have no merchant), and about one
    NPC in ten never hears it.
    """
    base = params.carrier_travel if profession in CARRIERS else params.traveller
    return max(base, min(1.0, params.strangers / max(1, residents)))


def _contact(
    teller: int, home: int, society: Society, rng: random.Random, params: SpreadParams
) -> int | None:
    away = society.neighbours.get(home, ())
    people = society.residents.get(home, ())
    if away and rng.random() < abroad_chance(society.profession_of.get(teller, ""), len(people), params):
        strangers = society.residents.get(rng.choice(away), ())
        return rng.choice(strangers) if strangers else None
    if len(people) < 2:
        return None
    other = rng.choice(people)
    while other == teller:
        other = rng.choice(people)
    return other


def _can_reach_anyone(home: int, society: Society) -> bool:
    if len(society.residents.get(home, ())) > 1:
        return True
    return any(society.residents.get(s) for s in society.neighbours.get(home, ()))


def spread_step(
    *,
    spreaders: Sequence[Hearing],
    known: set[int],
    society: Society,
    tick: int,
    rng: random.Random,
    params: SpreadParams = DEFAULT_PARAMS,
) -> StepOutcome:
    """One tick of telling. Mutates `spreaders` (counters, silence) and `known` (adds new hearers).

    `known` holds every NPC that has heard the rumour (spreaders and stiflers, alive or not).
    Those who hear it during this step start telling it at the next one.
    """
    outcome = StepOutcome()
    changed: dict[int, Hearing] = {}
    acquaintances: dict[int, list[str]] = {}  # settlement id → names its people know

    def silence(hearing: Hearing) -> None:
        hearing.is_spreading = False
        outcome.fell_silent += 1
        changed[hearing.npc_id] = hearing

    for teller in sorted((h for h in spreaders if h.is_spreading), key=lambda h: h.npc_id):
        home = society.settlement_of.get(teller.npc_id)
        if home is None:  # dead: the dead tell nothing
            silence(teller)
            continue
        if tick - teller.heard_tick > params.patience or not _can_reach_anyone(home, society):
            silence(teller)
            continue
        for _ in range(params.contacts):
            listener = _contact(teller.npc_id, home, society, rng, params)
            if listener is None:
                continue
            outcome.contacts += 1
            if listener not in known:
                known.add(listener)
                outcome.told += 1
                if home not in acquaintances:
                    acquaintances[home] = [society.npc_names[n] for n in society.residents.get(home, ())[:50]]
                details = blur_details(
                    teller.details,
                    rng=rng,
                    place_alternatives=society.place_alternatives,
                    person_names=society.person_names,
                    acquaintances=acquaintances[home],
                    params=params,
                )
                belief = belief_after(teller.belief, rng, params)
                # Only a draw when some don't care: the default spread repeats exactly.
                retells = params.interest >= 1.0 or rng.random() < params.interest
                outcome.new.append(
                    Hearing(
                        npc_id=listener,
                        settlement_id=society.settlement_of[listener],
                        heard_tick=tick,
                        hops=teller.hops + 1,
                        details=details,
                        belief=belief,
                        is_spreading=retells,
                        heard_from=teller.npc_id,
                        text=render_text(details, belief=belief),
                    )
                )
                continue
            outcome.knowers += 1
            teller.knowers_met += 1
            changed[teller.npc_id] = teller
            if teller.knowers_met >= params.stifle_after:
                silence(teller)
                break
    outcome.changed = sorted(changed.values(), key=lambda h: h.npc_id)
    return outcome


def first_arrivals(new: Iterable[Hearing], reached: set[int]) -> list[Hearing]:
    """The first new hearing in each settlement the rumour had not reached before (in order)."""
    seen = set(reached)
    firsts = []
    for hearing in new:
        if hearing.settlement_id not in seen:
            seen.add(hearing.settlement_id)
            firsts.append(hearing)
    return firsts
