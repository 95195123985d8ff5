"""Writes for playing quests: accept, report actions, complete (pay and change the world), flag broken.

Progress is kept per assignment: an objective is done *for a player* once their own reported
actions (QuestProgress rows) reach its quantity; the shared `QuestObjective.status`/`done_tick`
record the first time anyone did it. The first player to finish completes the quest and is paid;
the quest is then closed to the others.

Reports are trusted: a player who says they fetched 3 bread is believed, as long as the ids they
name are the quest's own (the rules match ids exactly). Checking inventories and positions is
the job of a later inventory system, not of this one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone

from economy.models import Market, MarketStock
from npcs.models import Npc, PlayerCharacter
from quests.models import Quest, QuestAssignment, QuestHook, QuestObjective, QuestProgress, QuestReviewLog
from quests.progress import ObjectiveState, action_units, progress_apply, quest_breakage
from quests.selectors import world_facts
from quests.services import quest_escrow_release
from quests.validation import WorldFacts
from world.models import ChronicleEntry, World
from world.services.chronicle import chronicle_record

QUEST_NOT_AVAILABLE = "No published quest {quest} in your world."
ALREADY_ACCEPTED = "You have already accepted quest {quest}."
NOT_ACCEPTED = "You have not accepted quest {quest}."
ASSIGNMENT_CLOSED = "Quest {quest} is {status} for you; it takes no more actions."
QUEST_CLOSED = "Quest {quest} is {status}; it takes no more actions."
NOT_COMPLETE = "Quest {quest} still has objectives to do."
TOO_MANY_ACTIONS = "Report at most {limit} actions at a time."

MAX_ACTIONS_PER_REPORT = 50
# Relief a finished quest brings: goods it brought to a short market (at most this many units),
# and how much it raises the need it answered (needs are 0-100).
RELIEF_MAX_UNITS = 100
RELIEF_DEFAULT_UNITS = 10
NEED_RELIEF = 30
PLAYABLE = (Quest.Status.PUBLISHED,)

COMPLETED_TEXT = "{character} finished “{title}” for {giver}: {relief}. {reward} cp paid from escrow."
BROKEN_NOTE = "The world broke this quest: {reasons}."


class QuestPlayError(Exception):
    """A player asked for something the quest does not allow; the message says what."""

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.code = code  # "not_found" or "conflict", for the API's status code


@dataclass
class ProgressResult:
    assignment_id: int
    quest_id: int
    tick: int
    steps: list[dict] = field(default_factory=list)
    newly_done: list[str] = field(default_factory=list)
    complete: bool = False
    reward_paid: int = 0
    relief: str = ""
    chronicle_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "assignment": self.assignment_id,
            "quest": self.quest_id,
            "tick": self.tick,
            "steps": self.steps,
            "newly_done": self.newly_done,
            "complete": self.complete,
            "reward_paid": self.reward_paid,
            "relief": self.relief,
            "chronicle_id": self.chronicle_id,
        }


# --- Reading the state the rules need -------------------------------------------------------


def assignment_objective_states(
    *, quest: Quest, assignment: QuestAssignment | None
) -> list[tuple[QuestObjective, ObjectiveState]]:
    """The quest's objectives, each with the units this assignment has reported towards it."""
    units: dict[int, int] = defaultdict(int)
    if assignment is not None:
        for objective_id, payload in QuestProgress.objects.filter(
            assignment=assignment, objective__isnull=False
        ).values_list("objective_id", "payload"):
            units[objective_id] += action_units(payload)
    return [
        (
            o,
            ObjectiveState(
                key=o.key,
                action=o.action,
                settlement_id=o.settlement_id,
                npc_id=o.npc_id,
                item_code=o.item.code if o.item else None,
                route_id=o.route_id,
                quantity=o.quantity,
                requires=tuple(o.requires or ()),
                progress=units[o.pk],
            ),
        )
        for o in QuestObjective.objects.filter(quest=quest).select_related("item").order_by("order", "id")
    ]


# --- Accept ---------------------------------------------------------------------------------


@transaction.atomic
def quest_accept(*, quest: Quest, character: PlayerCharacter) -> QuestAssignment:
    """The character takes on a published quest of their world; once per quest per character."""
    quest = Quest.objects.select_for_update().get(pk=quest.pk)
    if quest.status not in PLAYABLE or quest.world_id != character.world_id:
        raise QuestPlayError(QUEST_NOT_AVAILABLE.format(quest=quest.pk), code="not_found")
    if QuestAssignment.objects.filter(quest=quest, character=character).exists():
        raise QuestPlayError(ALREADY_ACCEPTED.format(quest=quest.pk))
    assignment = QuestAssignment(quest=quest, character=character)
    assignment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as e:  # a double click that raced the check above
        raise QuestPlayError(ALREADY_ACCEPTED.format(quest=quest.pk)) from e
    return assignment


# --- Report actions -------------------------------------------------------------------------


@transaction.atomic
def quest_actions_report(*, assignment: QuestAssignment, actions: list[dict]) -> ProgressResult:
    """Apply a player's reported actions in order: one QuestProgress row each, objectives marked
    done (done_tick = the world's tick), and the quest completed when the last one is done."""
    if len(actions) > MAX_ACTIONS_PER_REPORT:
        raise QuestPlayError(TOO_MANY_ACTIONS.format(limit=MAX_ACTIONS_PER_REPORT))
    # Lock order: quest, then assignment (quest_complete takes the same order).
    quest = Quest.objects.select_for_update(of=("self",)).select_related("world").get(pk=assignment.quest_id)
    assignment = QuestAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != QuestAssignment.Status.ACTIVE:
        raise QuestPlayError(ASSIGNMENT_CLOSED.format(quest=quest.pk, status=assignment.status))
    if quest.status not in PLAYABLE:
        raise QuestPlayError(QUEST_CLOSED.format(quest=quest.pk, status=quest.status))
    tick = quest.world.current_tick
    pairs = assignment_objective_states(quest=quest, assignment=assignment)
    by_key = {state.key: row for row, state in pairs}
    outcome = progress_apply([state for _, state in pairs], actions)

    QuestProgress.objects.bulk_create(
        [
            QuestProgress(
                assignment=assignment,
                objective=by_key.get(step.objective_key),
                # Store the units actually counted, so a later report never double-counts overshoot.
                payload={**step.action, "quantity": step.units} if step.objective_key else dict(step.action),
                tick=tick,
            )
            for step in outcome.steps
        ]
    )
    QuestObjective.objects.filter(
        pk__in=[by_key[k].pk for k in outcome.newly_done], status=QuestObjective.Status.PENDING
    ).update(status=QuestObjective.Status.DONE, done_tick=tick)

    result = ProgressResult(
        assignment_id=assignment.pk,
        quest_id=quest.pk,
        tick=tick,
        steps=[
            {"objective": s.objective_key, "units": s.units, "done": s.completed_objective, "note": s.note}
            for s in outcome.steps
        ],
        newly_done=outcome.newly_done,
        complete=outcome.complete,
    )
    if outcome.complete:
        done = quest_complete(assignment=assignment)
        result.reward_paid, result.relief, result.chronicle_id = (
            done.reward_paid,
            done.relief,
            done.chronicle_id,
        )
    return result


# --- Complete -------------------------------------------------------------------------------


@dataclass
class Completion:
    reward_paid: int
    relief: str
    chronicle_id: int


@transaction.atomic
def quest_complete(*, assignment: QuestAssignment) -> Completion:
    """Close a finished quest: pay the escrow to the character, relieve the trouble it answered
    (the hook is resolved), and write a chronicle entry that says what and why."""
    quest = (
        Quest.objects.select_for_update(of=("self",))
        .select_related("world", "hook", "giver")
        .get(pk=assignment.quest_id)
    )
    assignment = (
        QuestAssignment.objects.select_for_update(of=("self",))
        .select_related("character")
        .get(pk=assignment.pk)
    )
    if quest.status not in PLAYABLE:
        raise QuestPlayError(QUEST_CLOSED.format(quest=quest.pk, status=quest.status))
    if assignment.status != QuestAssignment.Status.ACTIVE:
        raise QuestPlayError(ASSIGNMENT_CLOSED.format(quest=quest.pk, status=assignment.status))
    states = [s for _, s in assignment_objective_states(quest=quest, assignment=assignment)]
    if not states or not all(s.done for s in states):
        raise QuestPlayError(NOT_COMPLETE.format(quest=quest.pk))

    now = timezone.now()
    assignment.status, assignment.completed_at = QuestAssignment.Status.COMPLETED, now
    assignment.full_clean(validate_unique=False)
    assignment.save(update_fields=["status", "completed_at"])
    character = assignment.character
    paid = quest_escrow_release(quest=quest, to_character=character)
    quest.refresh_from_db(fields=["escrow_cp"])
    quest.status, quest.completed_at = Quest.Status.COMPLETED, now
    quest.full_clean(validate_unique=False)
    quest.save(update_fields=["status", "completed_at", "updated_at"])

    relief, data = _relieve(quest, states)
    hook = quest.hook
    entry = chronicle_record(
        world=quest.world,
        tick=quest.world.current_tick,
        kind=ChronicleEntry.Kind.QUEST,
        text=COMPLETED_TEXT.format(
            character=character.name,
            title=quest.title or f"quest {quest.pk}",
            giver=quest.giver.name if quest.giver else "nobody in particular",
            relief=relief,
            reward=paid,
        ),
        data={
            "quest": quest.pk,
            "assignment": assignment.pk,
            "character": character.pk,
            "hook": hook.pk if hook else None,
            "hook_kind": hook.kind if hook else None,
            "reward_paid": paid,
            **data,
        },
        settlement=(hook.settlement if hook and hook.settlement_id else quest.settlement),
        causes=[hook.chronicle_entry] if hook and hook.chronicle_entry_id else [],
    )
    return Completion(reward_paid=paid, relief=relief, chronicle_id=entry.pk)


def _units_for(item_code: str | None, states: list[ObjectiveState]) -> int:
    """Goods the quest moved: the largest quantity of that item any of its objectives named."""
    named = [s.quantity for s in states if item_code and s.item_code == item_code]
    return min(RELIEF_MAX_UNITS, max(named, default=RELIEF_DEFAULT_UNITS))


def _raise_need(npcs, need: str) -> int:
    return npcs.update(**{need: Least(F(need) + NEED_RELIEF, Value(100))})


def _relieve(quest: Quest, states: list[ObjectiveState]) -> tuple[str, dict]:
    """Change the world the way the trouble asks; returns a phrase for the chronicle and its numbers."""
    hook = quest.hook
    if hook is None:
        return "the deed is done", {}
    kind = QuestHook.Kind
    relief, data = "the trouble is eased", {}
    if hook.kind in (kind.SHORTAGE, kind.DEAR_GOODS) and hook.item_id and hook.settlement_id:
        market = Market.objects.filter(settlement_id=hook.settlement_id).first()
        if market is not None:
            units = _units_for(hook.item.code, states)
            stock, _ = MarketStock.objects.get_or_create(
                market=market,
                item=hook.item,
                defaults={"price": max(1, hook.item.base_price), "prev_price": max(1, hook.item.base_price)},
            )
            MarketStock.objects.filter(pk=stock.pk).update(quantity=F("quantity") + units)
            relief = f"{units} {hook.item.name} reached the market of {hook.settlement.name}"
            data = {"market_stock": stock.pk, "item": hook.item.code, "units": units}
    elif hook.kind == kind.UNMET_NEEDS and hook.settlement_id:
        need = (
            hook.facts.get("need")
            if hook.facts.get("need") in ("hunger", "rest", "social", "safety")
            else "safety"
        )
        involved = list(hook.involved.values_list("pk", flat=True))
        npcs = Npc.objects.filter(
            is_alive=True, **({"pk__in": involved} if involved else {"settlement_id": hook.settlement_id})
        )
        raised = _raise_need(npcs, need)
        relief = f"{raised} people of {hook.settlement.name} feel their {need} answered"
        data = {"need": need, "npcs": raised, "by": NEED_RELIEF}
    elif hook.kind == kind.DANGEROUS_ROUTE and hook.route_id:
        route = hook.route
        raised = _raise_need(
            Npc.objects.filter(is_alive=True, settlement_id__in=[route.a_id, route.b_id]), "safety"
        )
        relief = f"the road between {route.a.name} and {route.b.name} is safer for {raised} people"
        data = {"route": route.pk, "npcs": raised, "safety_by": NEED_RELIEF}
    else:  # wars and events: the people caught up in it breathe easier
        raised = _raise_need(Npc.objects.filter(is_alive=True, pk__in=hook.involved.values("pk")), "safety")
        relief = f"{raised} people caught up in it feel safer"
        data = {"npcs": raised, "safety_by": NEED_RELIEF}
    hook.status = QuestHook.Status.RESOLVED
    hook.save(update_fields=["status", "updated_at"])
    return relief, data


# --- Broken by the world --------------------------------------------------------------------


@transaction.atomic
def quest_flag_if_broken(*, quest: Quest, facts: WorldFacts | None = None) -> list[dict]:
    """Set a published quest to broken (with a 'flag' review row by no user) if the world broke it.

    The escrow stays held: the GM decides whether to refund, repair or re-publish.
    """
    quest = Quest.objects.select_for_update().get(pk=quest.pk)
    if quest.status not in PLAYABLE:
        return []
    facts = facts or world_facts(world=quest.world)
    states = [s for _, s in assignment_objective_states(quest=quest, assignment=None)]
    done = set(QuestObjective.objects.filter(quest=quest, status="done").values_list("key", flat=True))
    states = [s if s.key not in done else _done(s) for s in states]
    problems = quest_breakage(giver_id=quest.giver_id, objectives=states, facts=facts)
    if problems:
        quest.status = Quest.Status.BROKEN
        quest.save(update_fields=["status", "updated_at"])
        QuestReviewLog.objects.create(
            quest=quest,
            user=None,
            action=QuestReviewLog.Action.FLAG,
            note=BROKEN_NOTE.format(reasons=", ".join(p["code"] for p in problems)),
            changes={"status": ["published", "broken"], "problems": problems},
        )
    return problems


def _done(state: ObjectiveState) -> ObjectiveState:
    return replace(state, progress=state.quantity)


def quests_flag_broken(*, world: World) -> list[int]:
    """Check every published quest of the world against it; returns the ids flagged broken."""
    facts = world_facts(world=world)
    return [
        quest.pk
        for quest in Quest.objects.filter(world=world, status=Quest.Status.PUBLISHED)
        if quest_flag_if_broken(quest=quest, facts=facts)
    ]


def quest_progress_dispatch(*, quest: Quest, character: PlayerCharacter, actions: list[dict]) -> str:
    """Queue the progression task for a player's report (after commit) and link its result from the quest."""
    from gmconsole.dispatch import dispatch_on_commit
    from quests.tasks.play import monitor_quest_progression_task

    # Sent first (a broker that is down raises here and nothing is recorded), then linked.
    task_id = dispatch_on_commit(monitor_quest_progression_task, quest.pk, actions, character_id=character.pk)
    with transaction.atomic():
        locked = Quest.objects.select_for_update().get(pk=quest.pk)
        locked.task_ids = [*locked.task_ids, task_id]
        locked.save(update_fields=["task_ids", "updated_at"])
    return task_id
