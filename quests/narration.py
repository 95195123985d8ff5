"""The template narrator: quest plots and objectives written from a hook's facts. No ORM, no network.

It writes the same schemas as the language model (`quests.schemas`), so a quest without a key,
past its budget, or after unusable model output is still a grounded, playable draft. Phrasings
are picked by a generator seeded from the hook key: the same trouble always reads the same,
different troubles read differently.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from quests.schemas import ObjectiveOut, QuestObjectivesOut, QuestPlotOut

SHORTAGE, DEAR_GOODS, UNMET_NEEDS = "shortage", "dear_goods", "unmet_needs"
DANGEROUS_ROUTE, CHRONICLE_EVENT, WAR = "dangerous_route", "chronicle_event", "war"
MAX_FETCH = 12  # a party carries a cartload, not a granary


@dataclass(frozen=True)
class Place:
    id: int
    name: str


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    profession: str
    settlement_id: int


@dataclass(frozen=True)
class NarrationContext:
    """What a narrator may name: every id here exists, is alive and reachable from the giver's home."""

    hook_key: str
    kind: str
    motivation: str
    summary: str
    severity: int = 0
    facts: Mapping = field(default_factory=dict)
    home: Place | None = None
    giver: Person | None = None
    giver_purse: int = 0
    involved: tuple[Person, ...] = ()
    guard: Person | None = None  # a guard of the giver's home who is not the giver
    item_code: str | None = None
    item_name: str | None = None
    item_source: Place | None = None  # nearest place that stocks or makes the item
    food_code: str | None = None
    food_name: str | None = None
    food_source: Place | None = None
    route_id: int | None = None
    route_far: Place | None = None  # the end of the dangerous route away from home
    rival_town: Place | None = None  # nearest reachable town of the enemy
    nearby: tuple[Place, ...] = ()

    def as_prompt_data(self) -> dict:
        """The context as JSON-safe data for a prompt: what exists, with ids."""
        people = [self.giver, *self.involved] + ([self.guard] if self.guard else [])
        return {
            "trouble": self.summary,
            "kind": self.kind,
            "motivation": self.motivation,
            "facts": dict(self.facts),
            "home_settlement": _place(self.home),
            "giver": _npc(self.giver),
            "giver_purse_cp": self.giver_purse,
            "npcs": [_npc(p) for p in people if p is not None],
            "item": {"code": self.item_code, "name": self.item_name, "found_in": _place(self.item_source)}
            if self.item_code
            else None,
            "food": {"code": self.food_code, "name": self.food_name, "found_in": _place(self.food_source)}
            if self.food_code
            else None,
            "route": {"id": self.route_id, "leads_to": _place(self.route_far)} if self.route_id else None,
            "enemy_town": _place(self.rival_town),
            "settlements_nearby": [_place(p) for p in self.nearby],
        }


def _place(place: Place | None) -> dict | None:
    return {"id": place.id, "name": place.name} if place else None


def _npc(person: Person | None) -> dict | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name, "profession": person.profession}


def rng_for(key: str) -> random.Random:
    """A generator seeded from the hook key: deterministic per trouble, different across them."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return random.Random(seed)  # noqa: S311 - prose, not secrets


# --- Phrasings ------------------------------------------------------------------------------

TITLES: dict[str, tuple[str, ...]] = {
    SHORTAGE: (
        "Empty Shelves in {town}",
        "No {item} for {town}",
        "The {item} Run",
        "{giver_first}'s Last Barrel",
        "A Cart to {source}",
        "Hunger for {item}",
    ),
    DEAR_GOODS: (
        "The Price of {item}",
        "Dear {item} in {town}",
        "{giver_first}'s Bargain",
        "Cheaper by the Cartload",
        "Breaking the {item} Ring",
    ),
    UNMET_NEEDS: (
        "Lean Days in {town}",
        "The Long Night of {town}",
        "{giver_first}'s Plea",
        "What {town} Lacks",
        "Bread and Watchfires",
    ),
    DANGEROUS_ROUTE: (
        "Shadows on the {route_kind} to {far}",
        "The Road to {far}",
        "Safe Passage to {far}",
        "Watchers on the {route_kind}",
        "{giver_first} Guards the Way",
    ),
    CHRONICLE_EVENT: (
        "Whispers in {town}",
        "What Happened in {town}",
        "{giver_first}'s Question",
        "The Talk of {town}",
        "An Old Tale, Newly Told",
    ),
    WAR: (
        "Eyes on {rival}",
        "The Front at {town}",
        "Before the Banners Move",
        "{giver_first}'s Spy",
        "War Comes to {town}",
    ),
}
PITCHES: dict[str, tuple[str, ...]] = {
    SHORTAGE: (
        "{giver}, {role} of {town}, wrings floury hands: the market holds {qty} {item} where the "
        "merchants want {target}. Bring {need} from {source} before the shelves are bare.",
        '"We are down to {qty} {item}," says {giver} the {role}. "{town} needs {target}. They '
        'have plenty in {source} - fetch {need} and I will pay you well."',
        "In {town} the {item} has run low ({qty} of {target}). {giver}, the {role}, asks for a "
        "brave cart to {source} and back with {need}.",
    ),
    DEAR_GOODS: (
        "{item} sells for {price} cp in {town}, far above its usual {base} cp. {giver} the {role} "
        "wants {need} brought cheaply from {source}.",
        '"{price} copper for {item}! It used to be {base}," grumbles {giver}, {role} of {town}. '
        '"Fetch {need} from {source} and we will break these prices."',
        "{giver}, a {role} of {town}, has had enough of paying {price} cp for {item}. {source} "
        "sells it for less; {need} would do.",
    ),
    UNMET_NEEDS: (
        "{affected} of the {npcs} people of {town} {suffer}. {giver} the {role} begs for help.",
        '"Look around you," says {giver}, {role} of {town}. "{affected} of us {suffer}."',
        "{town} is in a bad way: {affected} people {suffer}, and {giver} the {role} cannot bear it.",
    ),
    DANGEROUS_ROUTE: (
        "The {route_kind} between {town} and {far} has turned deadly: {why}. {giver} the {role} "
        "wants it made safe.",
        '"Nobody comes back from the {route_kind} to {far}," says {giver}, {role} of {town}. '
        '"Not since {why}."',
        "Travellers avoid the {route_kind} to {far} ({distance} km) because {why}. {giver} the "
        "{role} of {town} will pay to change that.",
    ),
    CHRONICLE_EVENT: (
        "{giver} the {role} of {town} cannot stop thinking about it: {event}",
        '"You heard?" asks {giver}, {role} of {town}. "{event} Someone should find out more."',
        "News travels fast in {town}: {event} {giver} the {role} wants the truth of it.",
    ),
    WAR: (
        "{ours} and {theirs} are at war, and {town} stands in the way. {giver} the {role} needs "
        "eyes in {rival}.",
        '"{theirs} is coming," says {giver}, {role} of {town}. "Learn what they plan in {rival}."',
        "War between {ours} and {theirs}: {giver}, {role} of {town}, asks for a spy to slip into {rival}.",
    ),
}
STAKES: dict[str, tuple[str, ...]] = {
    "comfort": (
        "If no one helps, the people of {town} will go without, and the weakest first.",
        "Empty bellies make short tempers: {town} will not stay quiet for long.",
    ),
    "wealth": (
        "Every day of this costs {giver_first} and the traders of {town} money they do not have.",
        "If prices stay high, the poorest of {town} will be priced out of the market.",
    ),
    "protection": (
        "Without help, blood will be spilled near {town}.",
        "{town} could lose its trade, and its people, to the danger.",
    ),
    "serenity": (
        "Fear is spreading in {town}; soon people will stop leaving their homes.",
        "If nothing changes, families will leave {town} for safer places.",
    ),
    "conquest": (
        "If {ours} strikes blind, many will die for nothing.",
        "Knowledge of the enemy could end the war sooner.",
    ),
    "knowledge": (
        "Rumour grows in the dark: without the truth, {town} will believe the worst.",
        "What is not understood will happen again.",
    ),
}
STAKES_DEFAULT = ("{giver_first} and {town} will suffer if nobody helps.",)
TWISTS: tuple[str, ...] = (
    "Someone in {town} profits from the trouble and would rather it lasted.",
    "{giver_first} knows more than they say and has a private reason to want this done.",
    "The people of {other} have troubles of their own and will not give help for free.",
    "A rival party has taken the same job, and they are not particular about methods.",
    "The real cause is closer to home than anyone in {town} would like.",
    "Halfway there, an old debt of {giver_first}'s comes due.",
)
NEED_WORDS = {"hunger": "go hungry", "safety": "fear for their lives"}
WHY = {"war_front": "the war front runs along it", "unsafe_end": "no one keeps watch at its end"}


def _values(ctx: NarrationContext, need: int) -> dict[str, object]:
    f = ctx.facts
    town = ctx.home.name if ctx.home else f.get("settlement", "the town")
    giver = ctx.giver.name if ctx.giver else "a worried local"
    factions = list(f.get("factions") or [])
    source = ctx.item_source or ctx.food_source
    return {
        "town": town,
        "giver": giver,
        "giver_first": giver.split()[0],
        "role": ctx.giver.profession if ctx.giver else "townsfolk",
        "item": ctx.item_name or ctx.food_name or "supplies",
        "qty": f.get("quantity", "few"),
        "target": f.get("target", "many"),
        "need": need,
        "price": f.get("price", "?"),
        "base": f.get("base_price", "?"),
        "source": source.name if source else town,
        "affected": f.get("affected", "many"),
        "npcs": f.get("npcs", "all"),
        "suffer": NEED_WORDS.get(f.get("need", ""), "suffer"),
        "route_kind": f.get("route_kind", "road"),
        "far": ctx.route_far.name if ctx.route_far else f.get("to", "the next town"),
        "why": WHY.get(f.get("reason", ""), "of what lurks there"),
        "distance": f.get("distance_km", "?"),
        "event": str(f.get("text") or ctx.summary),
        "ours": factions[0] if factions else "our people",
        "theirs": factions[1] if len(factions) > 1 else "the enemy",
        "rival": ctx.rival_town.name if ctx.rival_town else "the enemy's camp",
        "other": (ctx.route_far or source or ctx.rival_town or ctx.home or Place(0, town)).name,
    }


def fetch_quantity(ctx: NarrationContext) -> int:
    target, have = ctx.facts.get("target"), ctx.facts.get("quantity")
    if isinstance(target, int) and isinstance(have, int) and target > have:
        return max(1, min(MAX_FETCH, (target - have) // 2))
    return 6


def reward_for(ctx: NarrationContext, need: int) -> int:
    """Grows with how pressing the trouble is and what the goods cost; never more than half the purse."""
    price = ctx.facts.get("price")
    goods = price * need if isinstance(price, int) and ctx.kind in (SHORTAGE, DEAR_GOODS) else 0
    return max(0, min(ctx.giver_purse // 2, 10 + ctx.severity // 2 + goods))


def plot_template(ctx: NarrationContext) -> QuestPlotOut:
    """A grounded quest outline for the hook in `ctx`, phrased by its key."""
    rng = rng_for(ctx.hook_key)
    need = fetch_quantity(ctx)
    values = _values(ctx, need)
    kind = ctx.kind if ctx.kind in TITLES else CHRONICLE_EVENT
    return QuestPlotOut(
        title=rng.choice(TITLES[kind]).format(**values)[:200],
        pitch=rng.choice(PITCHES[kind]).format(**values),
        giver_npc_id=ctx.giver.id if ctx.giver else 0,
        stakes=rng.choice(STAKES.get(ctx.motivation, STAKES_DEFAULT)).format(**values),
        twist=rng.choice(TWISTS).format(**values),
        motivation=ctx.motivation,
        reward_cp=reward_for(ctx, need),
    )


# --- Objectives -----------------------------------------------------------------------------


def _chain(steps: list[dict]) -> QuestObjectivesOut:
    """Steps in order, each requiring the one before: one start, one finish, no cycles."""
    objectives, previous = [], None
    for step in steps:
        objectives.append(ObjectiveOut(requires=[previous] if previous else [], **step))
        previous = step["key"]
    return QuestObjectivesOut(objectives=objectives)


def _fetch_steps(ctx: NarrationContext, code: str, name: str, source: Place | None, need: int) -> list[dict]:
    giver = ctx.giver
    steps = []
    if source is not None and (ctx.home is None or source.id != ctx.home.id):
        steps.append(
            {
                "key": "travel",
                "action": "go_to",
                "settlement_id": source.id,
                "text": f"Travel to {source.name}, where {name} can be had.",
            }
        )
    where = source.name if source else "the market"
    steps += [
        {
            "key": "fetch",
            "action": "fetch",
            "item_code": code,
            "quantity": need,
            "settlement_id": source.id if source else None,
            "text": f"Get {need} {name} in {where}.",
        },
        {
            "key": "deliver",
            "action": "deliver",
            "item_code": code,
            "quantity": need,
            "npc_id": giver.id,
            "text": f"Bring the {need} {name} to {giver.name}.",
        },
    ]
    return steps


def objectives_template(ctx: NarrationContext) -> QuestObjectivesOut:
    """Objectives naming only what `ctx` holds (all of it real and reachable), as a simple chain."""
    giver = ctx.giver
    if giver is None:  # nobody to ask: the validator will say so; still a well-formed answer
        return QuestObjectivesOut(
            objectives=[ObjectiveOut(key="report", action="report", text="Report what you found.", npc_id=0)]
        )
    home = ctx.home
    town = home.name if home else "town"
    rng = rng_for(ctx.hook_key + ":objectives")
    opening = rng.choice(
        (
            f"Hear {giver.name} out in {town}.",
            f"Find {giver.name} the {giver.profession} and ask what is wrong.",
            f"Meet {giver.name} in {town}.",
        )
    )
    closing = rng.choice(
        (
            f"Return to {giver.name} and tell them it is done.",
            f"Report back to {giver.name} in {town}.",
            f"Let {giver.name} know how it went.",
        )
    )
    steps: list[dict] = [{"key": "meet-giver", "action": "talk", "npc_id": giver.id, "text": opening}]
    need = fetch_quantity(ctx)
    kind = ctx.kind
    if kind in (SHORTAGE, DEAR_GOODS) and ctx.item_code and ctx.item_source:
        steps += _fetch_steps(ctx, ctx.item_code, ctx.item_name or ctx.item_code, ctx.item_source, need)
    elif kind == UNMET_NEEDS and ctx.facts.get("need") == "hunger" and ctx.food_code and ctx.food_source:
        steps += _fetch_steps(ctx, ctx.food_code, ctx.food_name or ctx.food_code, ctx.food_source, need)
    elif kind == DANGEROUS_ROUTE and ctx.route_id is not None:
        far = ctx.route_far
        if far is not None:
            steps.append(
                {
                    "key": "travel",
                    "action": "go_to",
                    "settlement_id": far.id,
                    "text": f"Set out for {far.name}.",
                }
            )
        steps.append(
            {
                "key": "secure-route",
                "action": "defend",
                "route_id": ctx.route_id,
                "text": "Drive off whatever threatens travellers on the way.",
            }
        )
    elif kind == WAR and ctx.rival_town is not None:
        rival = ctx.rival_town
        steps += [
            {
                "key": "travel",
                "action": "go_to",
                "settlement_id": rival.id,
                "text": f"Slip into {rival.name}.",
            },
            {
                "key": "spy",
                "action": "spy",
                "settlement_id": rival.id,
                "text": f"Learn what the garrison of {rival.name} is planning.",
            },
        ]
    else:  # unsafe town, a chronicle event, or goods nobody can reach: look into it on the spot
        helper = ctx.guard if (kind == UNMET_NEEDS or kind == WAR) and ctx.guard else None
        helper = helper or (ctx.involved[0] if ctx.involved else None)
        if helper is not None:
            steps.append(
                {
                    "key": "ask-around",
                    "action": "talk",
                    "npc_id": helper.id,
                    "text": f"Ask {helper.name} the {helper.profession} what they have seen.",
                }
            )
        if home is not None:
            action = "defend" if kind in (UNMET_NEEDS, WAR, DANGEROUS_ROUTE) else "explore"
            text = (
                f"Keep watch over {town} for a night." if action == "defend" else f"Search {town} for clues."
            )
            steps.append({"key": "on-the-spot", "action": action, "settlement_id": home.id, "text": text})
    steps.append({"key": "report", "action": "report", "npc_id": giver.id, "text": closing})
    return _chain(steps)
