"""The GM's review of drafted quests: approve (the gate before players see anything), edit,
reject, regenerate. Every action leaves a `QuestReviewLog` row naming the user and what changed;
publishing and rejecting also leave a chronicle entry.

The reads the review pages need live here too, beside the writes they serve, rather than in
quests/selectors.py: they are only for this queue and keep the console's views thin.
"""

from __future__ import annotations

import re
from importlib import import_module

from django.db import transaction
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django_celery_results.models import TaskResult

from economy.models import Item
from npcs.models import Npc
from quests.models import Quest, QuestAssignment, QuestHook, QuestObjective, QuestReviewLog
from quests.selectors import world_facts
from quests.services import (
    HOOK_EXPIRE_AFTER_TICKS,
    quest_escrow_refund,
    quest_escrow_reward,
    quest_reward_set,
)
from quests.validation import ObjectiveDraft, QuestDraft, ValidationReport, validate_quest
from world.models import ChronicleEntry, Route, Settlement
from world.services.chronicle import chronicle_record

# --- Errors (tests import these) ------------------------------------------------------------

NOT_A_DRAFT = "Quest {quest} is {status}; only a draft can be published."
NOT_VALID = "Quest {quest} did not pass validation; fix it (edit) or regenerate it before publishing."
NO_LONGER_VALID = "Quest {quest} no longer fits the world ({problems} problem{s}); it now needs attention."
NOT_EDITABLE = (
    "Quest {quest} is {status}; only drafts, quests needing attention and failed ones can be edited."
)
NOT_REJECTABLE = "Quest {quest} is {status} and cannot be rejected."
REASON_REQUIRED = "A rejection needs a reason, for the log and for whoever regenerates it."
NOT_REGENERABLE = (
    "Quest {quest} is {status}; only failed quests and those needing attention can be regenerated."
)
REGENERATE_UNAVAILABLE = (
    "Quest generation cannot be retried yet (quests.generation.questgeneration_retry is missing)."
)
BAD_OBJECTIVES = "Objectives must be a list of objects, each with a key and an action."
BAD_OBJECTIVE_KEY = "Objective key {key!r} must be a short slug (letters, digits, - and _), at most 40 long."
DUPLICATE_OBJECTIVE_KEY = "Two objectives share the key {key!r}."
BAD_OBJECTIVE_QUANTITY = "Objective {key!r}: quantity must be a whole number of at least 1."

PUBLISHED_TEXT = "{user} published the quest “{title}”."
REJECTED_TEXT = "{user} rejected the quest “{title}”: {reason}"

EDITABLE = frozenset({Quest.Status.DRAFT, Quest.Status.NEEDS_ATTENTION, Quest.Status.FAILED})
REJECTABLE = frozenset(
    {Quest.Status.DRAFT, Quest.Status.NEEDS_ATTENTION, Quest.Status.FAILED, Quest.Status.BROKEN}
)
REGENERABLE = frozenset({Quest.Status.FAILED, Quest.Status.NEEDS_ATTENTION})
TEXT_FIELDS = ("title", "pitch", "stakes", "twist")
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")


class QuestReviewError(Exception):
    """A review action the quest's state does not allow, or an edit that cannot be stored."""


# --- Helpers --------------------------------------------------------------------------------


def _locked(quest: Quest) -> Quest:
    return Quest.objects.select_for_update().get(pk=quest.pk)


def _who(user) -> str:
    return user.get_username() if user is not None else "The GM"


def _log(*, quest: Quest, user, action: str, note: str = "", changes: dict | None = None) -> QuestReviewLog:
    entry = QuestReviewLog(quest=quest, user=user, action=action, note=note, changes=changes or {})
    entry.full_clean()
    entry.save()
    return entry


def _chronicle(quest: Quest, text: str, data: dict) -> ChronicleEntry:
    hook = quest.hook
    causes = [hook.chronicle_entry] if hook is not None and hook.chronicle_entry_id else []
    return chronicle_record(
        world=quest.world,
        tick=quest.world.current_tick,
        kind=ChronicleEntry.Kind.QUEST,
        text=text,
        data={"quest": quest.pk, **data},
        settlement=quest.settlement,
        causes=causes,
    )


def objective_as_dict(objective: QuestObjective) -> dict:
    """An objective in the shape `ObjectiveDraft.from_dict` and the edit form read."""
    return {
        "key": objective.key,
        "action": objective.action,
        "text": objective.text,
        "settlement_id": objective.settlement_id,
        "npc_id": objective.npc_id,
        "item": objective.item.code if objective.item_id else None,
        "route_id": objective.route_id,
        "quantity": objective.quantity,
        "requires": list(objective.requires or []),
    }


def quest_objective_dicts(*, quest: Quest) -> list[dict]:
    return [objective_as_dict(o) for o in quest.objectives.select_related("item").order_by("order", "id")]


def quest_validate(*, quest: Quest, objectives: list[dict]) -> ValidationReport:
    """Check the quest as it stands (giver, reward, escrow) with these objectives against the live world."""
    draft = QuestDraft(
        giver_id=quest.giver_id,
        settlement_id=quest.settlement_id,
        reward_cp=quest.reward_cp,
        escrow_cp=quest.escrow_cp,
        objectives=tuple(ObjectiveDraft.from_dict(o) for o in objectives),
    )
    return validate_quest(draft, world_facts(world=quest.world))


def _store_report(quest: Quest, report: ValidationReport) -> None:
    quest.validation = report.as_dict()
    quest.is_valid = report.ok
    quest.status = Quest.Status.DRAFT if report.ok else Quest.Status.NEEDS_ATTENTION


def _clean_objectives(objectives: object) -> list[dict]:
    """Refuse what cannot be stored at all; what can be stored but is wrong is the validator's job."""
    if not isinstance(objectives, list) or not all(isinstance(o, dict) for o in objectives):
        raise QuestReviewError(BAD_OBJECTIVES)
    seen = set()
    for o in objectives:
        key = o.get("key")
        if not isinstance(key, str) or not SLUG.match(key):
            raise QuestReviewError(BAD_OBJECTIVE_KEY.format(key=key))
        if key in seen:
            raise QuestReviewError(DUPLICATE_OBJECTIVE_KEY.format(key=key))
        seen.add(key)
        if not isinstance(o.get("action"), str) or not o["action"]:
            raise QuestReviewError(BAD_OBJECTIVES)
        quantity = o.get("quantity", 1)
        if quantity is None:
            quantity = 1
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise QuestReviewError(BAD_OBJECTIVE_QUANTITY.format(key=key))
        requires = o.get("requires") or []
        if not isinstance(requires, list):
            raise QuestReviewError(BAD_OBJECTIVES)
    return objectives


def _replace_objectives(quest: Quest, objectives: list[dict]) -> None:
    """Store the GM's objectives. A reference to nothing in this world is kept out of the row (it
    cannot be a foreign key) but stays in the validator's report, which is checked on the dicts."""

    def ids(values) -> set[int]:
        return {v for v in values if isinstance(v, int) and not isinstance(v, bool)}

    settlements = set(
        Settlement.objects.filter(
            world=quest.world, pk__in=ids(o.get("settlement_id") for o in objectives)
        ).values_list("pk", flat=True)
    )
    npcs = set(
        Npc.objects.filter(world=quest.world, pk__in=ids(o.get("npc_id") for o in objectives)).values_list(
            "pk", flat=True
        )
    )
    routes = set(
        Route.objects.filter(
            world=quest.world, pk__in=ids(o.get("route_id") for o in objectives)
        ).values_list("pk", flat=True)
    )
    codes = {o.get("item_code") or o.get("item") for o in objectives} - {None, ""}
    items = dict(Item.objects.filter(code__in=codes).values_list("code", "pk"))

    quest.objectives.all().delete()
    rows = []
    for order, o in enumerate(objectives):
        row = QuestObjective(
            quest=quest,
            key=o["key"],
            order=order,
            action=o["action"][:10],
            text=str(o.get("text") or ""),
            settlement_id=o.get("settlement_id") if o.get("settlement_id") in settlements else None,
            npc_id=o.get("npc_id") if o.get("npc_id") in npcs else None,
            item_id=items.get(o.get("item_code") or o.get("item")),
            route_id=o.get("route_id") if o.get("route_id") in routes else None,
            quantity=o.get("quantity") or 1,
            requires=[str(k) for k in o.get("requires") or []],
        )
        rows.append(row)
    QuestObjective.objects.bulk_create(rows)


# --- Writes ---------------------------------------------------------------------------------


def _mark_reviewed(quest: Quest, user, status: str, *also: str) -> None:
    """Set the review outcome (status, who, when) and save it with the fields the caller also set."""
    quest.status = status
    quest.reviewed_by = user
    quest.reviewed_at = timezone.now()
    quest.full_clean(validate_unique=False)
    quest.save(update_fields=["status", "reviewed_by", "reviewed_at", *also, "updated_at"])


def quest_approve(*, quest: Quest, user) -> Quest:
    """Publish a valid draft: the only way a quest reaches players.

    The draft is checked once more against the world as it is now (the giver may have died, a
    road may be cut since it was drafted); one that no longer fits is set to needs_attention with
    the fresh report, and the approval is refused. The reward is held in escrow before
    publishing, so a published quest can always pay.
    """
    refused = None
    with transaction.atomic():
        quest = _locked(quest)
        if quest.status != Quest.Status.DRAFT:
            raise QuestReviewError(NOT_A_DRAFT.format(quest=quest.pk, status=quest.get_status_display()))
        if not quest.is_valid:
            raise QuestReviewError(NOT_VALID.format(quest=quest.pk))
        report = quest_validate(quest=quest, objectives=quest_objective_dicts(quest=quest))
        if not report.ok:
            _store_report(quest, report)
            quest.full_clean(validate_unique=False)
            quest.save(update_fields=["validation", "is_valid", "status", "updated_at"])
            _log(
                quest=quest,
                user=user,
                action=QuestReviewLog.Action.FLAG,
                note="Approval refused: the draft no longer fits the world.",
                changes={"status": [Quest.Status.DRAFT, quest.status], "problems": sorted(report.codes)},
            )
            n = len(report.problems)
            refused = NO_LONGER_VALID.format(quest=quest.pk, problems=n, s="" if n == 1 else "s")
        else:
            quest_escrow_reward(quest=quest)  # refuses (rolls back) if the purse is short
            quest.refresh_from_db(fields=["escrow_cp"])
            quest.published_at = timezone.now()
            _mark_reviewed(quest, user, Quest.Status.PUBLISHED, "published_at")
            _log(
                quest=quest,
                user=user,
                action=QuestReviewLog.Action.APPROVE,
                changes={"status": [Quest.Status.DRAFT, Quest.Status.PUBLISHED]},
            )
            _chronicle(
                quest,
                PUBLISHED_TEXT.format(user=_who(user), title=quest.title),
                {"action": "publish", "user": getattr(user, "pk", None), "reward_cp": quest.reward_cp},
            )
    if refused:
        raise QuestReviewError(refused)
    return quest


@transaction.atomic
def quest_edit(
    *,
    quest: Quest,
    user,
    title: str | None = None,
    pitch: str | None = None,
    stakes: str | None = None,
    twist: str | None = None,
    reward_cp: int | None = None,
    objectives: list[dict] | None = None,
) -> Quest:
    """A GM's edit of text, reward and objectives, then a fresh validation against the world:
    a quest that passes is a draft again, one that fails needs attention, with the report."""
    quest = _locked(quest)
    if quest.status not in EDITABLE:
        raise QuestReviewError(NOT_EDITABLE.format(quest=quest.pk, status=quest.get_status_display()))
    changes: dict = {}
    if reward_cp is not None and reward_cp != quest.reward_cp:
        changes["reward_cp"] = [quest.reward_cp, reward_cp]
        quest_reward_set(quest=quest, reward_cp=reward_cp)  # moves escrow in step with the reward
        quest.refresh_from_db(fields=["reward_cp", "escrow_cp"])
    for name, value in zip(TEXT_FIELDS, (title, pitch, stakes, twist), strict=True):
        if value is not None and value != getattr(quest, name):
            changes[name] = [getattr(quest, name), value]
            setattr(quest, name, value)
    before = quest_objective_dicts(quest=quest)
    if objectives is not None:
        objectives = _clean_objectives(objectives)
        if objectives != before:
            changes["objectives"] = {"before": before, "after": objectives}
            _replace_objectives(quest, objectives)
    else:
        objectives = before
    old_status = quest.status
    report = quest_validate(quest=quest, objectives=objectives)
    _store_report(quest, report)
    if quest.status != old_status:
        changes["status"] = [old_status, quest.status]
    if quest.status == Quest.Status.DRAFT:
        quest.error = ""
    quest.full_clean(validate_unique=False)
    quest.save(update_fields=[*TEXT_FIELDS, "validation", "is_valid", "status", "error", "updated_at"])
    _log(
        quest=quest,
        user=user,
        action=QuestReviewLog.Action.EDIT,
        note="Valid after the edit." if report.ok else f"{len(report.problems)} problem(s) after the edit.",
        changes=changes,
    )
    return quest


# Quests that still answer their hook: while one of these exists, a rejection reopens nothing.
ANSWERING = frozenset(
    {
        Quest.Status.GENERATING,
        Quest.Status.DRAFT,
        Quest.Status.NEEDS_ATTENTION,
        Quest.Status.FAILED,
        Quest.Status.PUBLISHED,
        Quest.Status.BROKEN,
    }
)


def _hook_after_rejection(quest: Quest) -> list[str] | None:
    """Give the trouble of a rejected quest back to the drafting sweep: its hook is open again (with
    a fresh generation key, so a new draft can be written), unless the trouble has gone — resolved,
    expired, or not seen by a scan for HOOK_EXPIRE_AFTER_TICKS (then it expires, as a scan would
    expire it) — or another quest still answers it. Returns [old, new] status when it changed."""
    if quest.hook_id is None:
        return None
    hook = QuestHook.objects.select_for_update().get(pk=quest.hook_id)
    if hook.status not in (QuestHook.Status.OPEN, QuestHook.Status.DRAFTED):
        return None
    if Quest.objects.filter(hook=hook, status__in=ANSWERING).exclude(pk=quest.pk).exists():
        return None
    old = hook.status
    if hook.last_seen_tick < quest.world.current_tick - HOOK_EXPIRE_AFTER_TICKS:
        hook.status = QuestHook.Status.EXPIRED
    else:
        hook.status = QuestHook.Status.OPEN
        hook.redrafts += 1
    hook.save(update_fields=["status", "redrafts", "updated_at"])
    return [old, hook.status]


@transaction.atomic
def quest_reject(*, quest: Quest, user, reason: str) -> Quest:
    """Turn a quest down for good, with a reason; the reward held in escrow goes back to the giver,
    and the trouble it was drafted from is open for a new draft (`_hook_after_rejection`)."""
    reason = (reason or "").strip()
    if not reason:
        raise QuestReviewError(REASON_REQUIRED)
    quest = _locked(quest)
    if quest.status not in REJECTABLE:
        raise QuestReviewError(NOT_REJECTABLE.format(quest=quest.pk, status=quest.get_status_display()))
    old_status = quest.status
    refunded = quest_escrow_refund(quest=quest)
    quest.refresh_from_db(fields=["escrow_cp"])
    quest.rejection_reason = reason
    _mark_reviewed(quest, user, Quest.Status.REJECTED, "rejection_reason")
    changes = {"status": [old_status, Quest.Status.REJECTED], "refunded_cp": refunded}
    hook_change = _hook_after_rejection(quest)
    if hook_change:
        changes["hook"] = hook_change
    _log(quest=quest, user=user, action=QuestReviewLog.Action.REJECT, note=reason, changes=changes)
    _chronicle(
        quest,
        REJECTED_TEXT.format(user=_who(user), title=quest.title or f"#{quest.pk}", reason=reason),
        {"action": "reject", "user": getattr(user, "pk", None), "refunded_cp": refunded},
    )
    return quest


def generation_retry():
    """`quests.generation.quest_generation_retry`, if that module has it yet."""
    try:
        module = import_module("quests.generation")
    except ImportError:
        return None
    return getattr(module, "quest_generation_retry", None)


def _generation_error() -> type[Exception]:
    try:
        return getattr(import_module("quests.generation"), "QuestGenerationError", QuestReviewError)
    except ImportError:
        return QuestReviewError


@transaction.atomic
def quest_regenerate(*, quest: Quest, user) -> str | None:
    """Log the GM's request, then ask the generation pipeline to write the quest again.
    Returns what the pipeline returns (a task id), or None when it cannot retry yet.

    Only failed and needs-attention quests: the pipeline retries those (a draft the GM dislikes
    is rejected, or edited into needing attention). A refusal of the pipeline is a review error.
    """
    quest = _locked(quest)
    if quest.status not in REGENERABLE:
        raise QuestReviewError(NOT_REGENERABLE.format(quest=quest.pk, status=quest.get_status_display()))
    retry = generation_retry()
    _log(
        quest=quest,
        user=user,
        action=QuestReviewLog.Action.REGENERATE,
        note="" if retry else REGENERATE_UNAVAILABLE,
        changes={"status": quest.status},
    )
    if retry is None:
        return None
    try:
        return retry(quest=quest)
    except _generation_error() as e:
        raise QuestReviewError(str(e)) from e


# --- Reads ----------------------------------------------------------------------------------

# The queue shows what waits for the GM first, then failures to retry, then the settled.
QUEUE_GROUPS = {
    Quest.Status.DRAFT: 0,
    Quest.Status.NEEDS_ATTENTION: 0,
    Quest.Status.BROKEN: 1,
    Quest.Status.FAILED: 1,
    Quest.Status.GENERATING: 2,
    Quest.Status.PUBLISHED: 3,
    Quest.Status.REJECTED: 3,
    Quest.Status.COMPLETED: 3,
}


def quests_review_queue(*, world, status: str | None = None) -> QuerySet[Quest]:
    qs = Quest.objects.filter(world=world).select_related("hook", "hook__settlement", "giver", "settlement")
    if status:
        qs = qs.filter(status=status)
    group = Case(
        *[When(status=s, then=Value(g)) for s, g in QUEUE_GROUPS.items()],
        default=Value(9),
        output_field=IntegerField(),
    )
    return qs.annotate(queue_group=group).order_by("queue_group", "-created_at", "-id")


def quest_for_review(*, quest_id: int) -> Quest:
    return Quest.objects.select_related(
        "world",
        "hook",
        "hook__settlement",
        "hook__item",
        "hook__route__a",
        "hook__route__b",
        "hook__giver",
        "hook__faction",
        "hook__rival_faction",
        "hook__chronicle_entry",
        "giver",
        "settlement",
        "reviewed_by",
    ).get(pk=quest_id)


def quest_objectives_for_review(*, quest: Quest) -> QuerySet[QuestObjective]:
    return quest.objectives.select_related("settlement", "npc", "item", "route__a", "route__b").order_by(
        "order", "id"
    )


def quest_assignments_for_review(*, quest: Quest) -> QuerySet[QuestAssignment]:
    """The players on a quest (first to accept first), with how many reports each sent."""
    return (
        quest.assignments.select_related("character")
        .annotate(report_count=Count("reports"))
        .order_by("accepted_at", "id")
    )


def quest_review_log(*, quest: Quest) -> QuerySet[QuestReviewLog]:
    return quest.review_log.select_related("user").order_by("-created_at", "-id")


def quest_task_results(*, quest: Quest) -> QuerySet[TaskResult]:
    ids = [t for t in quest.task_ids or [] if isinstance(t, str)]
    return TaskResult.objects.filter(task_id__in=ids).order_by("date_created", "id")
