"""Writes for playing quests: accept, report actions, complete (pay and change the world), flag broken.

Progress is kept per assignment: an objective is done *for a player* once their own reported
actions (QuestProgress rows) reach its quantity; the shared `QuestObjective.status`/`done_tick`
record the first time anyone did it.

Shared quests: several characters may accept one quest. The **first to complete it is paid**
from escrow; at that moment every other active assignment on it is `closed` with a reason the
player reads in the API (OUTRUN), and a closed assignment takes no more reports.

Idempotent reports: every report carries a key (the request's `Idempotency-Key`, or one made up
by `quest_progress_dispatch`); a `QuestReport` row per (assignment, key) stores what applying it
did, so the same report sent twice or its task delivered twice counts once.

What is checked against the world and what is taken on the player's word: see quests/progress.py.
Positions are checked (the character's settlement is read here and passed to the rules);
inventories are not (there is no inventory system yet).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone

from economy.models import Market, MarketStock
from npcs.models import Npc, PlayerCharacter
from quests.models import (
    Quest,
    QuestAssignment,
    QuestHook,
    QuestObjective,
    QuestProgress,
    QuestReport,
    QuestReviewLog,
)
from quests.progress import ObjectiveState, action_units, progress_apply, quest_breakage
from quests.selectors import world_facts
from quests.services import quest_escrow_release
from quests.validation import WorldFacts
from world.events.services import event_from_quest
from world.models import ChronicleEntry, World
from world.services.chronicle import chronicle_record

QUEST_NOT_AVAILABLE = "No published quest {quest} in your world."
ALREADY_ACCEPTED = "You have already accepted quest {quest}."
NOT_ACCEPTED = "You have not accepted quest {quest}."
ASSIGNMENT_CLOSED = "Quest {quest} is {status} for you; it takes no more actions."
ASSIGNMENT_CLOSED_BECAUSE = "Quest {quest} is closed for you: {reason}"
OUTRUN = (
    "Another adventurer finished this quest first and was paid its reward; it takes no more actions from you."
)
KEY_REUSED = "Idempotency-Key {key!r} was already used for a different report on quest {quest}."
BAD_KEY = "An Idempotency-Key is 1 to {limit} printable ASCII characters."
MAX_KEY_LENGTH = 100
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
    position: int | None = None  # the character's settlement when the report was applied
    refused: list[dict] = field(default_factory=list)  # reported actions the world contradicts, and why
    closed_assignments: int = 0  # other players' assignments closed by this completion
    report_key: str | None = None
    replayed: bool = False  # the report was applied before: this is what it did then

    def as_dict(self) -> dict:
        return {
            "assignment": self.assignment_id,
            "quest": self.quest_id,
            "tick": self.tick,
            "position": self.position,
            "steps": self.steps,
            "newly_done": self.newly_done,
            "refused": self.refused,
            "complete": self.complete,
            "reward_paid": self.reward_paid,
            "relief": self.relief,
            "chronicle_id": self.chronicle_id,
            "closed_assignments": self.closed_assignments,
            "report_key": self.report_key,
            "replayed": self.replayed,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ProgressResult:
        names = {"assignment": "assignment_id", "quest": "quest_id"}
        known = set(cls.__dataclass_fields__)
        return cls(**{names.get(k, k): v for k, v in data.items() if names.get(k, k) in known})


# --- Reading the state the rules need -------------------------------------------------------


def assignment_objective_states(
    *, quest: Quest, assignment: QuestAssignment | None
) -> list[tuple[QuestObjective, ObjectiveState]]:
    """The quest's objectives, each with the units this assignment has reported towards it."""
    units: dict[int, int] = defaultdict(int)
    if assignment is not None:
        for objective_id, payload, source in QuestProgress.objects.filter(
            assignment=assignment, objective__isnull=False
        ).values_list("objective_id", "payload", "source"):
            # What the world saw (being there) counts what it completed; reports count their units.
            world = source == QuestProgress.Source.WORLD
            units[objective_id] += int(payload.get("quantity") or 1) if world else action_units(payload)
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


def closed_message(*, quest_id: int, assignment: QuestAssignment) -> str:
    """Why an assignment takes no more actions, in the player's words."""
    if assignment.status == QuestAssignment.Status.CLOSED and assignment.closed_reason:
        return ASSIGNMENT_CLOSED_BECAUSE.format(quest=quest_id, reason=assignment.closed_reason)
    return ASSIGNMENT_CLOSED.format(quest=quest_id, status=assignment.status)


def report_key_check(key: str) -> str:
    """A client's Idempotency-Key: 1 to MAX_KEY_LENGTH printable ASCII characters."""
    if not key or len(key) > MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise QuestPlayError(BAD_KEY.format(limit=MAX_KEY_LENGTH), code="bad_request")
    return key


def quest_report_replay(*, assignment: QuestAssignment, report_key: str) -> ProgressResult | None:
    """What a report already applied did (replayed), or None if this key was not applied yet."""
    stored = (
        QuestReport.objects.filter(assignment=assignment, key=report_key, processed_at__isnull=False)
        .values_list("result", flat=True)
        .first()
    )
    return None if stored is None else ProgressResult.from_dict({**stored, "replayed": True})


@transaction.atomic
def quest_actions_report(
    *, assignment: QuestAssignment, actions: list[dict], report_key: str | None = None, task_id: str = ""
) -> ProgressResult:
    """Apply a player's reported actions in order: one QuestProgress row each, objectives marked
    done (done_tick = the world's tick), and the quest completed when the last one is done.

    The character's position is checked (see quests/progress.py): go_to/explore objectives where
    the character is are done by being there, actions claiming another settlement are refused.
    With a `report_key`, a report already applied is not applied again: its stored result is
    returned with `replayed` set. Without one (an arrival check, a script) every call counts.
    """
    if len(actions) > MAX_ACTIONS_PER_REPORT:
        raise QuestPlayError(TOO_MANY_ACTIONS.format(limit=MAX_ACTIONS_PER_REPORT))
    # Lock order: quest, then assignment (quest_complete takes the same order). The assignment
    # lock also serialises reports of one player, so the replay check below cannot race.
    quest = Quest.objects.select_for_update(of=("self",)).select_related("world").get(pk=assignment.quest_id)
    assignment = QuestAssignment.objects.select_for_update().get(pk=assignment.pk)
    report = None
    if report_key is not None:
        report = QuestReport.objects.filter(assignment=assignment, key=report_key).first()
        if report is not None and report.processed_at is not None:
            return quest_report_replay(assignment=assignment, report_key=report_key)
    if assignment.status != QuestAssignment.Status.ACTIVE:
        raise QuestPlayError(closed_message(quest_id=quest.pk, assignment=assignment))
    if quest.status not in PLAYABLE:
        raise QuestPlayError(QUEST_CLOSED.format(quest=quest.pk, status=quest.status))
    tick = quest.world.current_tick
    position = (
        PlayerCharacter.objects.filter(pk=assignment.character_id)
        .values_list("settlement_id", flat=True)
        .get()
    )
    pairs = assignment_objective_states(quest=quest, assignment=assignment)
    by_key = {state.key: row for row, state in pairs}
    outcome = progress_apply([state for _, state in pairs], actions, position=position)
    if report_key is not None and report is None:
        report = QuestReport.objects.create(
            assignment=assignment, key=report_key, actions=list(actions), task_id=task_id
        )

    QuestProgress.objects.bulk_create(
        [
            QuestProgress(
                assignment=assignment,
                report=report,
                source=QuestProgress.Source.WORLD if step.observed else QuestProgress.Source.PLAYER,
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
        position=position,
        steps=[
            {
                "objective": s.objective_key,
                "units": s.units,
                "done": s.completed_objective,
                "note": s.note,
                "observed": s.observed,
                "refused": s.refused,
            }
            for s in outcome.steps
        ],
        newly_done=outcome.newly_done,
        refused=[{"action": dict(s.action), "reason": s.note} for s in outcome.refused],
        complete=outcome.complete,
        report_key=report_key,
    )
    if outcome.complete:
        done = quest_complete(assignment=assignment)
        result.reward_paid, result.relief, result.chronicle_id, result.closed_assignments = (
            done.reward_paid,
            done.relief,
            done.chronicle_id,
            done.closed_assignments,
        )
    if report is not None:
        report.result, report.tick, report.processed_at = result.as_dict(), tick, timezone.now()
        report.task_id = report.task_id or task_id
        report.save(update_fields=["result", "tick", "processed_at", "task_id"])
    return result


# --- Complete -------------------------------------------------------------------------------


@dataclass
class Completion:
    reward_paid: int
    relief: str
    chronicle_id: int
    closed_assignments: int = 0


@transaction.atomic
def quest_complete(*, assignment: QuestAssignment) -> Completion:
    """Close a finished quest: pay the escrow to the character, close the other players'
    assignments on it (OUTRUN: only the first to finish is paid), relieve the trouble it answered
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
        raise QuestPlayError(closed_message(quest_id=quest.pk, assignment=assignment))
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
    closed = (
        QuestAssignment.objects.filter(quest=quest, status=QuestAssignment.Status.ACTIVE)
        .exclude(pk=assignment.pk)
        .update(status=QuestAssignment.Status.CLOSED, closed_at=now, closed_reason=OUTRUN)
    )

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
            "closed_assignments": closed,
            **data,
        },
        settlement=(hook.settlement if hook and hook.settlement_id else quest.settlement),
        causes=[hook.chronicle_entry] if hook and hook.chronicle_entry_id else [],
    )
    place = entry.settlement or quest.settlement
    if place is not None:  # the deed lifts the town's spirits: a small event, started after commit
        event_from_quest(quest=quest, settlement=place, cause=entry)
    return Completion(reward_paid=paid, relief=relief, chronicle_id=entry.pk, closed_assignments=closed)


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


def _breakage_by_quest(*, world: World, facts: WorldFacts, quest_ids: list[int] | None = None) -> dict:
    """{quest id: problems} for the world's published quests (or those of `quest_ids`) that the
    world broke, checked against one set of facts: two queries whatever the number of quests."""
    quests = Quest.objects.filter(world=world, status__in=PLAYABLE)
    if quest_ids is not None:
        quests = quests.filter(pk__in=quest_ids)
    givers = dict(quests.values_list("pk", "giver_id"))
    states: dict[int, list[ObjectiveState]] = defaultdict(list)
    rows = (
        QuestObjective.objects.filter(quest_id__in=list(givers))
        .order_by("quest_id", "order", "id")
        .values_list(
            "quest_id",
            "key",
            "action",
            "settlement_id",
            "npc_id",
            "item__code",
            "route_id",
            "quantity",
            "requires",
            "status",
        )
    )
    for quest_id, key, action, settlement_id, npc_id, item_code, route_id, quantity, requires, status in rows:
        states[quest_id].append(
            ObjectiveState(
                key=key,
                action=action,
                settlement_id=settlement_id,
                npc_id=npc_id,
                item_code=item_code,
                route_id=route_id,
                quantity=quantity,
                requires=tuple(requires or ()),
                # Done by anyone counts as done: what is behind the players cannot break the quest.
                progress=quantity if status == QuestObjective.Status.DONE else 0,
            )
        )
    broken = {}
    for quest_id, giver_id in givers.items():
        problems = quest_breakage(giver_id=giver_id, objectives=states[quest_id], facts=facts)
        if problems:
            broken[quest_id] = problems
    return broken


def _flag_broken(broken: dict[int, list[dict]]) -> list[int]:
    """Set these quests (still published, under lock) to broken, each with a 'flag' review row by no user.

    The escrow stays held: the GM decides whether to refund, repair or re-publish.
    """
    if not broken:
        return []
    with transaction.atomic():
        return _flag_broken_locked(broken)


def _flag_broken_locked(broken: dict[int, list[dict]]) -> list[int]:
    flagged = sorted(
        Quest.objects.select_for_update()
        .filter(pk__in=list(broken), status__in=PLAYABLE)
        .values_list("pk", flat=True)
    )
    Quest.objects.filter(pk__in=flagged).update(status=Quest.Status.BROKEN, updated_at=timezone.now())
    QuestReviewLog.objects.bulk_create(
        [
            QuestReviewLog(
                quest_id=pk,
                user=None,
                action=QuestReviewLog.Action.FLAG,
                note=BROKEN_NOTE.format(reasons=", ".join(p["code"] for p in broken[pk])),
                changes={"status": ["published", "broken"], "problems": broken[pk]},
            )
            for pk in flagged
        ]
    )
    return flagged


def quest_flag_if_broken(*, quest: Quest, facts: WorldFacts | None = None) -> list[dict]:
    """Set a published quest to broken (with a 'flag' review row by no user) if the world broke it;
    returns the problems (empty: it is fine, or not published)."""
    facts = facts or world_facts(world=quest.world)
    broken = _breakage_by_quest(world=quest.world, facts=facts, quest_ids=[quest.pk])
    return broken[quest.pk] if quest.pk in _flag_broken(broken) else []


def quests_flag_broken(*, world: World) -> list[int]:
    """Check every published quest of the world against it; returns the ids flagged broken.

    The world's facts are read once and every quest's objectives in one query, so the cost does
    not grow with the number of quests (only the broken ones are written).
    """
    facts = world_facts(world=world)
    return _flag_broken(_breakage_by_quest(world=world, facts=facts))


@dataclass(frozen=True)
class ReportDispatch:
    task_id: str
    report_key: str
    replayed: bool = False  # this key was reported before: the task is the one it started then


def _report_replay(report: QuestReport, *, actions: list[dict], quest_id: int) -> ReportDispatch:
    if report.actions != actions:
        raise QuestPlayError(KEY_REUSED.format(key=report.key, quest=quest_id))
    return ReportDispatch(task_id=report.task_id, report_key=report.key, replayed=True)


def _link_task(quest: Quest, task_id: str) -> None:
    locked = Quest.objects.select_for_update().get(pk=quest.pk)
    locked.task_ids = [*locked.task_ids, task_id]
    locked.save(update_fields=["task_ids", "updated_at"])


def quest_progress_dispatch(
    *, quest: Quest, character: PlayerCharacter, actions: list[dict], report_key: str | None = None
) -> ReportDispatch:
    """Queue the progression task for a player's report and link its result from the quest.

    `report_key` is the client's Idempotency-Key (one is made up when there is none, so a
    redelivered task still applies once). A key already used for this assignment starts nothing:
    the answer names the task that key started (`replayed`), or refuses a different report. A
    new report on an assignment that is no longer active is refused with the reason.
    """
    from gmconsole.dispatch import dispatch_on_commit
    from quests.tasks.play import monitor_quest_progression_task

    key = report_key_check(report_key) if report_key is not None else uuid.uuid4().hex
    assignment = QuestAssignment.objects.get(quest=quest, character=character)
    existing = QuestReport.objects.filter(assignment=assignment, key=key).first()
    if existing is not None:
        return _report_replay(existing, actions=actions, quest_id=quest.pk)
    if assignment.status != QuestAssignment.Status.ACTIVE:
        raise QuestPlayError(closed_message(quest_id=quest.pk, assignment=assignment))
    # Sent first (a broker that is down raises here and nothing is recorded), then recorded.
    task_id = dispatch_on_commit(
        monitor_quest_progression_task, quest.pk, actions, character_id=character.pk, report_key=key
    )
    try:
        with transaction.atomic():
            QuestReport.objects.create(assignment=assignment, key=key, actions=actions, task_id=task_id)
            _link_task(quest, task_id)
    except IntegrityError:
        # The same key raced us, or our own task already ran and recorded the report.
        existing = QuestReport.objects.get(assignment=assignment, key=key)
        if existing.task_id != task_id:
            return _report_replay(existing, actions=actions, quest_id=quest.pk)
        with transaction.atomic():
            _link_task(quest, task_id)
    return ReportDispatch(task_id=task_id, report_key=key)


def quests_arrival_dispatch(*, character: PlayerCharacter) -> list[tuple[int, str]]:
    """After the character moved: queue a progression check (no actions) for each quest they are on,
    so go_to/explore objectives where they arrived are done by the world. Returns (quest id, task id)."""
    from gmconsole.dispatch import dispatch_on_commit
    from quests.tasks.play import monitor_quest_progression_task

    checks = []
    for assignment in QuestAssignment.objects.filter(
        character=character, status=QuestAssignment.Status.ACTIVE, quest__status__in=PLAYABLE
    ).select_related("quest"):
        task_id = dispatch_on_commit(
            monitor_quest_progression_task, assignment.quest_id, [], character_id=character.pk
        )
        with transaction.atomic():
            _link_task(assignment.quest, task_id)
        checks.append((assignment.quest_id, task_id))
    return checks
