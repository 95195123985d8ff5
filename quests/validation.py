"""Is a quest draft playable in the world as it is now? Pure functions over plain data. No ORM here.

A draft (from the LLM, the template narrator or a GM's edit) names things by id or code;
`quests.selectors.world_facts` reads the world once; `validate_quest` checks that every named
thing exists, every place can be reached over the route graph from the giver's home, every
item can be had, the giver can pay, the objectives form one playable graph, and everyone
named gets an outcome. The report is stored with the draft and shown to the GM.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# --- Problem codes (tests import these) -----------------------------------------------------

NO_OBJECTIVES = "no_objectives"
DUPLICATE_KEY = "duplicate_key"
UNKNOWN_ACTION = "unknown_action"
MISSING_TARGET = "missing_target"
BAD_QUANTITY = "bad_quantity"
UNKNOWN_GIVER = "unknown_giver"
UNKNOWN_SETTLEMENT = "unknown_settlement"
UNKNOWN_NPC = "unknown_npc"
UNKNOWN_ITEM = "unknown_item"
UNKNOWN_ROUTE = "unknown_route"
UNREACHABLE_PLACE = "unreachable_place"
UNOBTAINABLE_ITEM = "unobtainable_item"
NEGATIVE_REWARD = "negative_reward"
UNAFFORDABLE_REWARD = "unaffordable_reward"
NO_START = "no_start"
MULTIPLE_STARTS = "multiple_starts"
NO_FINISH = "no_finish"
CYCLE = "cycle"
UNKNOWN_REQUIRES = "unknown_requires"
ORPHAN_OBJECTIVE = "orphan_objective"
PARTICIPANT_WITHOUT_OUTCOME = "participant_without_outcome"

MESSAGES: dict[str, str] = {
    NO_OBJECTIVES: "The quest has no objectives.",
    DUPLICATE_KEY: "Two objectives share the key {key!r}.",
    UNKNOWN_ACTION: "Objective {key!r}: {action!r} is not an action (one of {actions}).",
    MISSING_TARGET: "Objective {key!r}: a {action} objective needs a {needs}.",
    BAD_QUANTITY: "Objective {key!r}: quantity must be at least 1, got {quantity}.",
    UNKNOWN_GIVER: "The giver (NPC {npc_id}) does not exist or is dead.",
    UNKNOWN_SETTLEMENT: "{where}: no settlement {settlement_id} in this world.",
    UNKNOWN_NPC: "Objective {key!r}: no living NPC {npc_id} in this world.",
    UNKNOWN_ITEM: "Objective {key!r}: no item {item!r}.",
    UNKNOWN_ROUTE: "Objective {key!r}: no route {route_id} in this world.",
    UNREACHABLE_PLACE: "{where}: settlement {settlement_id} cannot be reached over the routes from "
    "settlement {origin_id}, where the quest starts.",
    UNOBTAINABLE_ITEM: "Objective {key!r}: no market stocks {item!r} and nobody makes it anywhere "
    "reachable from settlement {origin_id}.",
    NEGATIVE_REWARD: "The reward must not be negative, got {reward} cp.",
    UNAFFORDABLE_REWARD: "The giver has {purse} cp (+{escrow} cp in escrow) and cannot pay a "
    "reward of {reward} cp.",
    NO_START: "No objective can come first: every one requires another.",
    MULTIPLE_STARTS: "Objective {key!r} is a second start (requires nothing); the quest must have one.",
    NO_FINISH: "No objective ends the quest: every one is required by another.",
    CYCLE: "Objectives require each other in a circle: {cycle}.",
    UNKNOWN_REQUIRES: "Objective {key!r} requires {missing!r}, which is not an objective of this quest.",
    ORPHAN_OBJECTIVE: "Objective {key!r} can never be reached from the start.",
    PARTICIPANT_WITHOUT_OUTCOME: "NPC {npc_id} takes part (objective {key!r}) but no talk, report, "
    "deliver or escort objective gives them an outcome.",
}

ACTIONS = (
    "go_to",
    "gather",
    "fetch",
    "deliver",
    "exchange",
    "talk",
    "listen",
    "report",
    "escort",
    "defend",
    "defeat",
    "explore",
    "repair",
    "spy",
    "use",
)  # quests.models.QuestObjective.Action values
# What each action must name: every group needs at least one of its fields.
SETTLEMENT, NPC, ITEM, ROUTE = "settlement", "npc", "item", "route"
ACTION_TARGETS: dict[str, tuple[tuple[str, ...], ...]] = {
    "go_to": ((SETTLEMENT, NPC),),
    "gather": ((ITEM,),),
    "fetch": ((ITEM,),),
    "deliver": ((ITEM,), (NPC, SETTLEMENT)),
    "exchange": ((ITEM,), (NPC, SETTLEMENT)),
    "talk": ((NPC,),),
    "listen": ((NPC,),),
    "report": ((NPC,),),
    "escort": ((NPC,), (SETTLEMENT, ROUTE)),
    "defend": ((SETTLEMENT, ROUTE, NPC),),
    "defeat": ((SETTLEMENT, ROUTE, NPC),),
    "explore": ((SETTLEMENT, ROUTE),),
    "repair": ((SETTLEMENT, ROUTE),),
    "spy": ((NPC, SETTLEMENT),),
    "use": ((ITEM,),),
}
# Objectives that give the NPC they name an outcome: they are met, paid, handed something, brought.
OUTCOME_ACTIONS = frozenset({"talk", "report", "deliver", "escort"})


# --- Inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveDraft:
    key: str
    action: str
    text: str = ""
    settlement_id: int | None = None
    npc_id: int | None = None
    item_code: str | None = None
    route_id: int | None = None
    quantity: int = 1
    requires: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping) -> ObjectiveDraft:
        return cls(
            key=str(data.get("key", "")),
            action=str(data.get("action", "")),
            text=str(data.get("text", "") or ""),
            settlement_id=data.get("settlement_id"),
            npc_id=data.get("npc_id"),
            item_code=data.get("item_code") or data.get("item"),
            route_id=data.get("route_id"),
            quantity=data.get("quantity", 1) if data.get("quantity") is not None else 1,
            requires=tuple(str(k) for k in data.get("requires") or ()),
        )

    def target(self, kind: str) -> object | None:
        return {SETTLEMENT: self.settlement_id, NPC: self.npc_id, ITEM: self.item_code, ROUTE: self.route_id}[
            kind
        ]


@dataclass(frozen=True)
class QuestDraft:
    giver_id: int | None
    settlement_id: int | None
    reward_cp: int
    objectives: tuple[ObjectiveDraft, ...]
    escrow_cp: int = 0  # already held back from the giver (a re-validated quest)

    @classmethod
    def from_dict(cls, data: Mapping) -> QuestDraft:
        return cls(
            giver_id=data.get("giver_id"),
            settlement_id=data.get("settlement_id"),
            reward_cp=int(data.get("reward_cp") or 0),
            escrow_cp=int(data.get("escrow_cp") or 0),
            objectives=tuple(
                o if isinstance(o, ObjectiveDraft) else ObjectiveDraft.from_dict(o)
                for o in data.get("objectives") or ()
            ),
        )


@dataclass(frozen=True)
class NpcFact:
    id: int
    settlement_id: int
    purse: int
    profession: str = ""


@dataclass(frozen=True)
class WorldFacts:
    settlement_ids: frozenset[int]
    npcs: Mapping[int, NpcFact]  # the living only
    item_codes: frozenset[str]
    stocked: Mapping[str, frozenset[int]] = field(default_factory=dict)  # code -> settlements with stock > 0
    produced: Mapping[str, frozenset[int]] = field(default_factory=dict)  # code -> settlements with a maker
    adjacency: Mapping[int, frozenset[int]] = field(default_factory=dict)  # the route graph
    routes: Mapping[int, tuple[int, int]] = field(default_factory=dict)  # route id -> (a, b)

    def reachable_from(self, origin: int) -> set[int]:
        seen, queue = {origin}, deque([origin])
        while queue:
            for other in self.adjacency.get(queue.popleft(), ()):
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
        return seen


# --- Output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    objective_key: str | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "objective_key": self.objective_key}


@dataclass(frozen=True)
class ValidationReport:
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    def as_dict(self) -> dict:
        return {"ok": self.ok, "problems": [p.as_dict() for p in self.problems]}


def _problem(code: str, objective_key: str | None = None, **values) -> Problem:
    return Problem(
        code=code, message=MESSAGES[code].format(key=objective_key, **values), objective_key=objective_key
    )


# --- Checks ---------------------------------------------------------------------------------


def check_shape(draft: QuestDraft) -> list[Problem]:
    """Objectives exist, keys are unique, actions are known and name what they need."""
    if not draft.objectives:
        return [_problem(NO_OBJECTIVES)]
    problems, seen = [], set()
    for o in draft.objectives:
        if o.key in seen:
            problems.append(_problem(DUPLICATE_KEY, o.key))
        seen.add(o.key)
        if o.action not in ACTION_TARGETS:
            problems.append(_problem(UNKNOWN_ACTION, o.key, action=o.action, actions=", ".join(ACTIONS)))
            continue
        for group in ACTION_TARGETS[o.action]:
            if all(o.target(kind) in (None, "") for kind in group):
                problems.append(_problem(MISSING_TARGET, o.key, action=o.action, needs=" or ".join(group)))
        if not isinstance(o.quantity, int) or o.quantity < 1:
            problems.append(_problem(BAD_QUANTITY, o.key, quantity=o.quantity))
    return problems


def check_existence(draft: QuestDraft, facts: WorldFacts) -> list[Problem]:
    """Every settlement, NPC (alive), item and route the draft names exists in this world."""
    problems = []
    if draft.giver_id is None or draft.giver_id not in facts.npcs:
        problems.append(_problem(UNKNOWN_GIVER, npc_id=draft.giver_id))
    if draft.settlement_id is not None and draft.settlement_id not in facts.settlement_ids:
        problems.append(_problem(UNKNOWN_SETTLEMENT, where="The quest", settlement_id=draft.settlement_id))
    for o in draft.objectives:
        if o.settlement_id is not None and o.settlement_id not in facts.settlement_ids:
            problems.append(
                _problem(
                    UNKNOWN_SETTLEMENT, o.key, where=f"Objective {o.key!r}", settlement_id=o.settlement_id
                )
            )
        if o.npc_id is not None and o.npc_id not in facts.npcs:
            problems.append(_problem(UNKNOWN_NPC, o.key, npc_id=o.npc_id))
        if o.item_code and o.item_code not in facts.item_codes:
            problems.append(_problem(UNKNOWN_ITEM, o.key, item=o.item_code))
        if o.route_id is not None and o.route_id not in facts.routes:
            problems.append(_problem(UNKNOWN_ROUTE, o.key, route_id=o.route_id))
    return problems


def quest_origin(draft: QuestDraft, facts: WorldFacts) -> int | None:
    """Where the quest starts: the giver's home, else the quest's settlement."""
    giver = facts.npcs.get(draft.giver_id) if draft.giver_id is not None else None
    if giver is not None:
        return giver.settlement_id
    return draft.settlement_id if draft.settlement_id in facts.settlement_ids else None


def check_reachability(draft: QuestDraft, facts: WorldFacts) -> list[Problem]:
    """Every place the quest sends a player to (settlements, NPCs' homes, routes) is reachable
    over the route graph from where it starts; every item can be bought or made there."""
    origin = quest_origin(draft, facts)
    if origin is None:
        return []  # nothing to measure from: the existence check has said why
    reachable = facts.reachable_from(origin)
    problems = []

    def place(settlement_id: int | None, where: str, key: str | None) -> None:
        if settlement_id in facts.settlement_ids and settlement_id not in reachable:
            problems.append(
                _problem(UNREACHABLE_PLACE, key, where=where, settlement_id=settlement_id, origin_id=origin)
            )

    place(draft.settlement_id, "The quest", None)
    for o in draft.objectives:
        where = f"Objective {o.key!r}"
        place(o.settlement_id, where, o.key)
        npc = facts.npcs.get(o.npc_id) if o.npc_id is not None else None
        if npc is not None:
            place(npc.settlement_id, f"{where} (NPC {npc.id}'s home)", o.key)
        ends = facts.routes.get(o.route_id) if o.route_id is not None else None
        if ends is not None and not (set(ends) & reachable):
            place(ends[0], f"{where} (route {o.route_id})", o.key)
        if o.item_code and o.item_code in facts.item_codes:
            sources = facts.stocked.get(o.item_code, frozenset()) | facts.produced.get(
                o.item_code, frozenset()
            )
            if not (sources & reachable):
                problems.append(_problem(UNOBTAINABLE_ITEM, o.key, item=o.item_code, origin_id=origin))
    return problems


def check_reward(draft: QuestDraft, facts: WorldFacts) -> list[Problem]:
    """The giver can pay: the reward will be escrowed from their purse when the quest is drafted."""
    if draft.reward_cp < 0:
        return [_problem(NEGATIVE_REWARD, reward=draft.reward_cp)]
    giver = facts.npcs.get(draft.giver_id) if draft.giver_id is not None else None
    if giver is not None and giver.purse + draft.escrow_cp < draft.reward_cp:
        return [
            _problem(UNAFFORDABLE_REWARD, purse=giver.purse, escrow=draft.escrow_cp, reward=draft.reward_cp)
        ]
    return []


def check_graph(draft: QuestDraft) -> list[Problem]:
    """One start, at least one finish, no cycles, no unknown requires, every objective reachable."""
    objectives = {}
    for o in draft.objectives:
        objectives.setdefault(o.key, o)
    if not objectives:
        return []
    problems = []
    for o in objectives.values():
        for missing in o.requires:
            if missing not in objectives:
                problems.append(_problem(UNKNOWN_REQUIRES, o.key, missing=missing))
    starts = [o.key for o in objectives.values() if not o.requires]
    if not starts:
        problems.append(_problem(NO_START))
    for extra in starts[1:]:
        problems.append(_problem(MULTIPLE_STARTS, extra))
    required = {r for o in objectives.values() for r in o.requires if r in objectives}
    if all(key in required for key in objectives):
        problems.append(_problem(NO_FINISH))
    cycle = find_cycle({k: [r for r in o.requires if r in objectives] for k, o in objectives.items()})
    if cycle:
        problems.append(_problem(CYCLE, cycle[0], cycle=" → ".join(cycle)))
    # Reachable: every objective it requires can be done, down to the start (a fixpoint).
    done: set[str] = set(starts)
    changed = True
    while changed:
        changed = False
        for key, o in objectives.items():
            if key not in done and o.requires and all(r in done for r in o.requires):
                done.add(key)
                changed = True
    for key in objectives:
        if key not in done:
            problems.append(_problem(ORPHAN_OBJECTIVE, key))
    return problems


def find_cycle(requires: Mapping[str, Iterable[str]]) -> list[str]:
    """One cycle of the requires graph as [a, b, ..., a], or [] when it has none."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in requires.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(requires):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def check_participants(draft: QuestDraft) -> list[Problem]:
    """Everyone an objective names is the giver or gets an outcome (talk, report, deliver, escort)."""
    with_outcome = {
        o.npc_id for o in draft.objectives if o.action in OUTCOME_ACTIONS and o.npc_id is not None
    }
    problems, reported = [], set()
    for o in draft.objectives:
        npc = o.npc_id
        if npc is None or npc == draft.giver_id or npc in with_outcome or npc in reported:
            continue
        reported.add(npc)
        problems.append(_problem(PARTICIPANT_WITHOUT_OUTCOME, o.key, npc_id=npc))
    return problems


def validate_quest(draft: QuestDraft, facts: WorldFacts) -> ValidationReport:
    """Every check, every problem found (not just the first): the GM and the repair loop see all."""
    return ValidationReport(
        problems=tuple(
            [
                *check_shape(draft),
                *check_existence(draft, facts),
                *check_reachability(draft, facts),
                *check_reward(draft, facts),
                *check_graph(draft),
                *check_participants(draft),
            ]
        )
    )
