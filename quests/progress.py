"""Quest progression rules: pure functions, no ORM.

A player reports what they did (`{"action": "talk", "npc_id": 9}`); these functions decide
which objective it advances. An objective is *available* when every key in its `requires` is
done; an action advances the first available objective (in quest order) whose action and every
named target match. Item actions (gather, fetch, deliver, exchange, use, repair) count the units
reported, other actions count one; units accumulate across reports until the objective's
`quantity` is reached.

A quest is complete when **every** objective is done. (Not "every finish objective": the
validator guarantees each objective sits on the one graph from the start to the finish, so the
two agree for validated quests, and "all" is the one a player can read off the list.)

What is checked against the world, and what is taken on the player's word
--------------------------------------------------------------------------
The world knows where a player's character is (`PlayerCharacter.settlement`, moved only by
`POST /api/v1/me/travel` over the route graph), whether people are alive, which settlements,
routes and goods exist. It does not know what a character carries or said. So, given the
character's `position` (as `quests.play` always passes it):

* **Checked — position.** `go_to` and `explore` objectives (POSITIONAL_ACTIONS) are done by the
  character *being* at their settlement when the progression task runs (after a travel, or with
  any report), whether or not the player reports them. A reported action that names a
  `settlement_id` other than where the character is (going there, fetching there, anything) is
  refused with NOT_THERE and advances nothing.
* **Checked — breakage** (`quest_breakage`, run by the progression task and the hook scan): a
  dead giver, a dead or vanished NPC target, a settlement or route gone, or goods to fetch that
  no market stocks and nobody makes break the quest and flag it for the GM.
* **Seen but not counted.** A delivery meant to relieve a shortage stays owed when others
  restock that market meanwhile: the quest is neither done nor broken by it (the giver still
  wants what they asked for), and finishing still brings the goods.
* **The player's word.** Quantities of goods gathered, fetched, delivered, exchanged, used or
  repaired; talking, listening and reporting to an NPC; escorting, defending, defeating and
  spying. The ids must be the quest's own (matched exactly) and the objective available.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from quests.validation import WorldFacts

# Gathering and fetching both mean "get hold of the goods": a report of either counts for both.
ACTION_ALIASES = {"gather": "fetch"}
ITEM_ACTIONS = frozenset({"gather", "fetch", "deliver", "exchange", "use", "repair"})
# Done by being there: checked against the character's position, never taken on the player's word.
POSITIONAL_ACTIONS = frozenset({"go_to", "explore"})
# Target refs an action may name, as the player reports them.
TARGET_KEYS = ("settlement_id", "npc_id", "item_code", "route_id")

NOTHING_ADVANCED = "Nothing on this quest matched that action (or it is not available yet)."
NOT_AN_ACTION = "An action needs an 'action' name, e.g. {'action': 'go_to', 'settlement_id': 5}."
ALREADY_DONE = "That objective is already done."
NOT_THERE = (
    "Refused: your character is in settlement {position}, not in settlement {claimed}. "
    "Travel there first (POST /api/v1/me/travel)."
)
SEEN_THERE = "Done: your character is in settlement {position}."

# Reasons the world broke a quest, for the GM.
GIVER_DEAD = "giver_dead"
SETTLEMENT_GONE = "settlement_gone"
NPC_GONE = "npc_gone"
ITEM_UNOBTAINABLE = "item_unobtainable"
ROUTE_GONE = "route_gone"


@dataclass(frozen=True)
class ObjectiveState:
    """One objective as the rules see it; `progress` is the units reported so far."""

    key: str
    action: str
    settlement_id: int | None = None
    npc_id: int | None = None
    item_code: str | None = None
    route_id: int | None = None
    quantity: int = 1
    requires: tuple[str, ...] = ()
    progress: int = 0

    @property
    def done(self) -> bool:
        return self.progress >= self.quantity

    def targets(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in TARGET_KEYS if getattr(self, name) is not None}


@dataclass(frozen=True)
class Step:
    """What one reported action did: the objective it advanced (or none, and why)."""

    action: Mapping
    objective_key: str | None = None
    units: int = 0
    completed_objective: bool = False
    note: str = ""
    refused: bool = False  # the report contradicts the world (e.g. the character is elsewhere)
    observed: bool = False  # not reported: the world saw it (the character is there)


@dataclass
class Outcome:
    objectives: list[ObjectiveState]
    steps: list[Step] = field(default_factory=list)

    @property
    def newly_done(self) -> list[str]:
        return [s.objective_key for s in self.steps if s.completed_objective]

    @property
    def refused(self) -> list[Step]:
        return [s for s in self.steps if s.refused]

    @property
    def advanced(self) -> bool:
        return any(s.objective_key for s in self.steps)

    @property
    def complete(self) -> bool:
        return quest_complete_check(self.objectives)


def _action_name(name: object) -> str:
    name = str(name or "").strip().lower()
    return ACTION_ALIASES.get(name, name)


def action_units(action: Mapping) -> int:
    """Units an action reports: its `quantity` for item actions (at least 1), else 1."""
    if str(action.get("action", "")).lower() not in ITEM_ACTIONS:
        return 1
    try:
        return max(1, int(action.get("quantity", 1)))
    except (TypeError, ValueError):
        return 1


def available(objectives: Iterable[ObjectiveState]) -> list[ObjectiveState]:
    """Objectives not done yet whose prerequisites all are."""
    objectives = list(objectives)
    done = {o.key for o in objectives if o.done}
    return [o for o in objectives if not o.done and all(r in done for r in o.requires)]


def matches(objective: ObjectiveState, action: Mapping) -> bool:
    """Same action (gather ≈ fetch) and every target the objective names reported alike."""
    if _action_name(action.get("action")) != _action_name(objective.action):
        return False
    for name, wanted in objective.targets().items():
        reported = action.get(name)
        if reported is None or str(reported) != str(wanted):
            return False
    return True


def _claimed_elsewhere(action: Mapping, position: int | None) -> bool:
    """The action names a settlement other than the one the character is in."""
    claimed = action.get("settlement_id")
    return position is not None and claimed is not None and str(claimed) != str(position)


def _advance(outcome: Outcome, target: ObjectiveState, units: int) -> ObjectiveState:
    advanced = replace(target, progress=target.progress + units)
    outcome.objectives = [advanced if o.key == target.key else o for o in outcome.objectives]
    return advanced


def _observe(outcome: Outcome, position: int | None) -> None:
    """Mark done every available go_to/explore objective at the character's position (repeatedly:
    one done may make the next available)."""
    if position is None:
        return
    while True:
        target = next(
            (
                o
                for o in available(outcome.objectives)
                if _action_name(o.action) in POSITIONAL_ACTIONS and o.settlement_id == position
            ),
            None,
        )
        if target is None:
            return
        units = target.quantity - target.progress
        _advance(outcome, target, units)
        outcome.steps.append(
            Step(
                action={"action": target.action, "settlement_id": position},
                objective_key=target.key,
                units=units,
                completed_objective=True,
                note=SEEN_THERE.format(position=position),
                observed=True,
            )
        )


def progress_apply(
    objectives: Iterable[ObjectiveState], actions: Iterable[Mapping], *, position: int | None = None
) -> Outcome:
    """Apply reported actions in order. An action that matches nothing available is a step with a
    note, not an error: the player learns it advanced nothing.

    With the character's `position` (a settlement id), the world is checked too (see the module
    docstring): positional objectives there are done by being there (observed steps, before the
    first action and after each), and an action claiming another settlement is refused.
    """
    outcome = Outcome(objectives=list(objectives))
    _observe(outcome, position)
    for action in actions:
        if not isinstance(action, Mapping) or not action.get("action"):
            outcome.steps.append(
                Step(action=action if isinstance(action, Mapping) else {}, note=NOT_AN_ACTION)
            )
            continue
        if _claimed_elsewhere(action, position):
            outcome.steps.append(
                Step(
                    action=action,
                    note=NOT_THERE.format(position=position, claimed=action.get("settlement_id")),
                    refused=True,
                )
            )
            continue
        target = next((o for o in available(outcome.objectives) if matches(o, action)), None)
        if target is None:
            done = any(o.done and matches(o, action) for o in outcome.objectives)
            outcome.steps.append(Step(action=action, note=ALREADY_DONE if done else NOTHING_ADVANCED))
            continue
        units = min(action_units(action), target.quantity - target.progress)
        advanced = _advance(outcome, target, units)
        outcome.steps.append(
            Step(action=action, objective_key=target.key, units=units, completed_objective=advanced.done)
        )
        _observe(outcome, position)
    return outcome


def quest_complete_check(objectives: Iterable[ObjectiveState]) -> bool:
    objectives = list(objectives)
    return bool(objectives) and all(o.done for o in objectives)


def quest_breakage(
    *, giver_id: int | None, objectives: Iterable[ObjectiveState], facts: WorldFacts
) -> list[dict]:
    """Why the world broke a quest (empty: it did not). Only objectives still to do count: a
    village burnt after the player left it breaks nothing. `facts.npcs` holds the living only.

    Deliveries are never broken by the goods being plentiful again: a shortage others relieved
    meanwhile leaves the delivery owed, not the quest broken (see the module docstring)."""
    problems = []
    if giver_id is not None and giver_id not in facts.npcs:
        problems.append({"code": GIVER_DEAD, "npc_id": giver_id})
    for o in objectives:
        if o.done:
            continue
        if o.settlement_id is not None and o.settlement_id not in facts.settlement_ids:
            problems.append({"code": SETTLEMENT_GONE, "objective": o.key, "settlement_id": o.settlement_id})
        if o.npc_id is not None and o.npc_id not in facts.npcs:
            problems.append({"code": NPC_GONE, "objective": o.key, "npc_id": o.npc_id})
        if o.route_id is not None and o.route_id not in facts.routes:
            problems.append({"code": ROUTE_GONE, "objective": o.key, "route_id": o.route_id})
        if (
            o.item_code is not None
            and _action_name(o.action) == "fetch"
            and not facts.stocked.get(o.item_code)
            and not facts.produced.get(o.item_code)
        ):
            problems.append({"code": ITEM_UNOBTAINABLE, "objective": o.key, "item_code": o.item_code})
    return problems
