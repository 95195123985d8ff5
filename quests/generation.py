"""Writes for quest generation: a plot, then objectives validated against the live world.

Model calls happen outside transactions (they are slow and their LLMCall records must survive
a failure); each stage then writes in one short transaction. A quest is keyed by its hook's
`generation_key`, so a redelivered task finds the quest it already made.

Statuses: `generating` while the stages run; `draft` once valid objectives are stored and the
reward is escrowed; `needs_attention` when even the template narrator's objectives do not
validate (the report says why); `failed` when the model stayed unreachable after the task's
retries, or refused the request (the GM can retry: `quest_generation_retry`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from django.db import IntegrityError, transaction

from economy.models import Item
from gmconsole.dispatch import dispatch_on_commit
from gmconsole.llm.errors import LLMBadRequest, LLMInvalidOutput, LLMRateLimited, LLMUnavailable
from gmconsole.llm.structured import StructuredResult, structured_call
from quests.generation_selectors import hooks_without_quest, narration_context
from quests.models import Quest, QuestHook, QuestObjective
from quests.narration import NarrationContext, objectives_template, plot_template
from quests.schemas import QuestObjectivesOut, QuestPlotOut
from quests.selectors import world_facts
from quests.services import QuestEscrowError, quest_escrow_reward
from quests.validation import QuestDraft, ValidationReport, WorldFacts, validate_quest

logger = logging.getLogger(__name__)

PLOT_PURPOSE = "quests.plot"
OBJECTIVES_PURPOSE = "quests.objectives"

PLOT_SYSTEM = (
    "You write quests for a tabletop role-playing game from troubles a simulated world noticed. "
    "Stay grounded: name only the people, places, goods and numbers given to you, by their ids. "
    "Answer by calling the tool, nothing else."
)
PLOT_PROMPT = (
    "Outline a quest for this trouble. The giver is the NPC given as giver unless another listed "
    "NPC suits better; the reward must not exceed half the giver's purse.\n\n{context}"
)
OBJECTIVES_SYSTEM = (
    "You turn quest outlines into objectives: a small graph of atomic player actions (go_to, "
    "gather, fetch, deliver, exchange, talk, listen, report, escort, defend, defeat, explore, "
    "repair, spy, use). Use only the ids and item codes given. Answer by calling the tool."
)
OBJECTIVES_PROMPT = (
    "Quest: {title}\nPitch: {pitch}\nGiver: NPC {giver_id}\n\nWhat exists (use only these ids):\n"
    "{context}\n\nWrite 3 to 7 objectives: start by talking to the giver, end by reporting to them."
)
FIX_PROMPT = (
    "{prompt}\n\nYour previous objectives were checked against the world and are not playable:\n"
    "{problems}\n\nYour previous answer:\n{answer}\n\nWrite corrected objectives that fix every problem."
)

# quest.error notes, for the GM
PLOT_TEMPLATE_FALLBACK = "The model's plot was unusable ({error}); the template narrator wrote it."
OBJECTIVES_TEMPLATE_FALLBACK = (
    "The model's objectives were unusable ({error}); the template narrator wrote them."
)
OBJECTIVES_INVALID_FALLBACK = (
    "The model's objectives failed validation twice ({codes}); the template narrator wrote them."
)
TEMPLATE_INVALID = "Even the template narrator's objectives do not validate: {codes}."
GIVER_REPLACED = (
    "The model named NPC {npc_id} as giver, who is not among the people of this trouble; kept {giver}."
)
FAILED = "Generation failed: {error}"
ESCROW_FAILED = "The reward could not be escrowed: {error}"
NOT_RETRYABLE = "Quest {quest} is {status}: only failed or needs-attention quests can be regenerated."


class QuestGenerationError(Exception):
    """The quest cannot be (re)generated in its state."""


# --- Helpers --------------------------------------------------------------------------------


def _narrator(result: StructuredResult) -> str:
    if result.narrator != "llm":
        return "template"
    model = result.calls[-1].model if result.calls else ""
    return f"llm:{model}"[:120] if model else "llm"


def _note(quest: Quest, note: str) -> None:
    quest.error = "\n".join(n for n in (quest.error, note) if n)


def _with_task(quest: Quest, task_id: str) -> None:
    if task_id and task_id not in quest.task_ids:
        quest.task_ids = [*quest.task_ids, task_id]


@transaction.atomic
def quest_generation_fail(*, quest: Quest, error: str, task_id: str = "") -> Quest:
    """Mark a quest failed with a reason the GM reads; a generating quest only (never a reviewed one)."""
    quest = Quest.objects.select_for_update().get(pk=quest.pk)
    if quest.status != Quest.Status.GENERATING:
        return quest
    quest.status = Quest.Status.FAILED
    _note(quest, FAILED.format(error=error))
    _with_task(quest, task_id)
    quest.full_clean(validate_unique=False)
    quest.save(update_fields=["status", "error", "task_ids", "updated_at"])
    return quest


def _call(*, quest: Quest, last_attempt: bool, task_id: str, **kwargs) -> StructuredResult | None:
    """structured_call; None on unusable output (the caller falls back). A model that cannot be
    reached is raised for the task to retry, and fails the quest on the last attempt; a refused
    request fails it at once."""
    try:
        return structured_call(world=quest.world, task_id=task_id, **kwargs)
    except (LLMRateLimited, LLMUnavailable) as error:
        if last_attempt:
            quest_generation_fail(quest=quest, error=str(error), task_id=task_id)
        raise
    except LLMBadRequest as error:
        quest_generation_fail(quest=quest, error=str(error), task_id=task_id)
        raise


# --- Plot -----------------------------------------------------------------------------------


def _quest_for_hook(hook: QuestHook) -> Quest:
    defaults = {
        "world_id": hook.world_id,
        "hook": hook,
        "motivation": hook.motivation,
        "giver_id": hook.giver_id,
        "settlement_id": hook.settlement_id,
        "status": Quest.Status.GENERATING,
    }
    try:
        quest, _ = Quest.objects.get_or_create(generation_key=hook.generation_key, defaults=defaults)
    except IntegrityError:  # another worker created it between our get and our insert
        quest = Quest.objects.get(generation_key=hook.generation_key)
    return quest


def quest_plot_generate(
    *,
    hook: QuestHook,
    task_id: str = "",
    involved_npc_ids: list[int] | None = None,
    last_attempt: bool = True,
) -> Quest:
    """The quest for `hook` with its plot written (title, pitch, giver, stakes, twist, reward).

    Idempotent: a quest already past `generating` for this hook is returned untouched.
    Raises LLMRateLimited / LLMUnavailable for the task to retry (on `last_attempt` the quest is
    first marked failed) and LLMBadRequest (the quest is failed). Unusable model output is
    replaced by the template narrator's, with a note in `quest.error`.
    """
    quest = _quest_for_hook(hook)
    if quest.status != Quest.Status.GENERATING:
        return quest
    ctx = narration_context(hook=hook, involved_ids=involved_npc_ids)
    prompt = PLOT_PROMPT.format(context=json.dumps(ctx.as_prompt_data(), indent=1, default=str))
    note = ""
    try:
        result = _call(
            quest=quest,
            last_attempt=last_attempt,
            task_id=task_id,
            purpose=PLOT_PURPOSE,
            schema=QuestPlotOut,
            system=PLOT_SYSTEM,
            prompt=prompt,
            template=lambda: plot_template(ctx),
        )
        plot, narrator = result.value, _narrator(result)
        note = result.notice if result.budget_spent else ""  # the GM should know why the template wrote it
    except LLMInvalidOutput as error:
        plot, narrator = plot_template(ctx), "template"
        note = PLOT_TEMPLATE_FALLBACK.format(error=error)
    return _plot_store(quest=quest, ctx=ctx, plot=plot, narrator=narrator, note=note, task_id=task_id)


@transaction.atomic
def _plot_store(
    *, quest: Quest, ctx: NarrationContext, plot: QuestPlotOut, narrator: str, note: str, task_id: str
) -> Quest:
    quest = Quest.objects.select_for_update().get(pk=quest.pk)
    if quest.status != Quest.Status.GENERATING:  # another delivery finished first
        return quest
    allowed = {p.id: p for p in (ctx.giver, *ctx.involved) if p is not None}
    giver = allowed.get(plot.giver_npc_id) or ctx.giver
    if plot.giver_npc_id not in allowed and ctx.giver is not None:
        note = "\n".join(
            n for n in (note, GIVER_REPLACED.format(npc_id=plot.giver_npc_id, giver=ctx.giver.name)) if n
        )
    quest.title = plot.title[:200]
    quest.pitch, quest.stakes, quest.twist = plot.pitch, plot.stakes, plot.twist
    quest.motivation = plot.motivation
    quest.giver_id = giver.id if giver else None
    quest.settlement_id = ctx.home.id if ctx.home else quest.settlement_id
    # The giver pays from their purse: a model's generous reward is cut to what they have.
    quest.reward_cp = max(0, min(plot.reward_cp, ctx.giver_purse if giver else 0))
    quest.narrator = narrator
    quest.attempts += 1
    quest.error = note
    _with_task(quest, task_id)
    quest.full_clean(validate_unique=False)
    quest.save(
        update_fields=[
            *("title", "pitch", "stakes", "twist", "motivation", "giver", "settlement", "reward_cp"),
            *("narrator", "attempts", "error", "task_ids", "updated_at"),
        ]
    )
    return quest


# --- Objectives -----------------------------------------------------------------------------


def _draft(quest: Quest, objectives: QuestObjectivesOut) -> QuestDraft:
    return QuestDraft.from_dict(
        {
            "giver_id": quest.giver_id,
            "settlement_id": quest.settlement_id,
            "reward_cp": quest.reward_cp,
            "escrow_cp": quest.escrow_cp,
            "objectives": [o.model_dump() for o in objectives.objectives],
        }
    )


def _problems_text(report: ValidationReport) -> str:
    return "\n".join(f"- {p.message}" for p in report.problems)


def quest_objectives_populate(*, quest: Quest, task_id: str = "", last_attempt: bool = True) -> Quest:
    """Objectives for a plotted quest, validated against the world; then `draft` with the reward
    escrowed, or `needs_attention` with the validator's report.

    The model's objectives that do not validate get one fix attempt (the report is shown to it),
    then the template narrator's are used. Objectives, report, status and escrow change in one
    transaction. Idempotent: a quest past `generating` is returned untouched.
    """
    quest = Quest.objects.select_related("hook", "world").get(pk=quest.pk)
    if quest.status != Quest.Status.GENERATING or quest.hook is None:
        return quest
    facts = world_facts(world=quest.world)
    ctx = narration_context(hook=quest.hook, facts=facts)
    if quest.giver_id is not None and (ctx.giver is None or ctx.giver.id != quest.giver_id):
        ctx = _with_giver(ctx, quest, facts)
    context = json.dumps(ctx.as_prompt_data(), indent=1, default=str)
    prompt = OBJECTIVES_PROMPT.format(
        title=quest.title, pitch=quest.pitch, giver_id=quest.giver_id, context=context
    )
    call = {
        "quest": quest,
        "last_attempt": last_attempt,
        "task_id": task_id,
        "purpose": OBJECTIVES_PURPOSE,
        "schema": QuestObjectivesOut,
        "system": OBJECTIVES_SYSTEM,
        "template": lambda: objectives_template(ctx),
    }
    note, from_template = "", False
    try:
        result = _call(prompt=prompt, **call)
        objectives = result.value
        from_template = result.narrator != "llm"
        report = validate_quest(_draft(quest, objectives), facts)
        if not report.ok and not from_template:
            fix = FIX_PROMPT.format(
                prompt=prompt, problems=_problems_text(report), answer=objectives.model_dump_json()
            )
            result = _call(prompt=fix, **call)
            objectives = result.value
            report = validate_quest(_draft(quest, objectives), facts)
            if not report.ok:
                note = OBJECTIVES_INVALID_FALLBACK.format(codes=", ".join(sorted(report.codes)))
                objectives, from_template = objectives_template(ctx), True
    except LLMInvalidOutput as error:
        note = OBJECTIVES_TEMPLATE_FALLBACK.format(error=error)
        objectives, from_template = objectives_template(ctx), True
    report = validate_quest(_draft(quest, objectives), facts)
    return _objectives_store(
        quest=quest,
        objectives=objectives,
        report=report,
        facts=facts,
        note=note,
        from_template=from_template,
        task_id=task_id,
    )


def _with_giver(ctx: NarrationContext, quest: Quest, facts: WorldFacts) -> NarrationContext:
    """The plot chose another giver among the hook's people: the objectives are about them."""
    chosen = next((p for p in ctx.involved if p.id == quest.giver_id), None)
    if chosen is None:
        return ctx
    others = tuple(p for p in ctx.involved if p.id != chosen.id) + ((ctx.giver,) if ctx.giver else ())
    purse = facts.npcs[chosen.id].purse if chosen.id in facts.npcs else 0
    return replace(ctx, giver=chosen, involved=others, giver_purse=purse)


def _objective_rows(quest: Quest, objectives: QuestObjectivesOut, facts: WorldFacts) -> list[QuestObjective]:
    """Rows for the objectives; a named thing that does not exist is left out (the report says so)."""
    codes = {o.item_code for o in objectives.objectives if o.item_code}
    items = dict(Item.objects.filter(code__in=codes).values_list("code", "id"))
    rows, seen = [], set()
    for order, o in enumerate(objectives.objectives):
        if o.key in seen:  # a duplicate key cannot be stored; the report names it
            continue
        seen.add(o.key)
        rows.append(
            QuestObjective(
                quest=quest,
                key=o.key[:40],
                order=order,
                action=o.action,
                text=o.text,
                settlement_id=o.settlement_id if o.settlement_id in facts.settlement_ids else None,
                npc_id=o.npc_id if o.npc_id in facts.npcs else None,
                item_id=items.get(o.item_code),
                route_id=o.route_id if o.route_id in facts.routes else None,
                quantity=o.quantity,
                requires=list(o.requires),
            )
        )
    return rows


@transaction.atomic
def _objectives_store(
    *,
    quest: Quest,
    objectives: QuestObjectivesOut,
    report: ValidationReport,
    facts: WorldFacts,
    note: str,
    from_template: bool,
    task_id: str,
) -> Quest:
    quest = Quest.objects.select_for_update().get(pk=quest.pk)
    if quest.status != Quest.Status.GENERATING:  # another delivery finished first
        return quest
    quest.objectives.all().delete()
    QuestObjective.objects.bulk_create(_objective_rows(quest, objectives, facts))
    if note:
        _note(quest, note)
    if from_template and quest.narrator.startswith("llm"):
        quest.narrator = f"{quest.narrator}; objectives: template"[:120]
    quest.validation, quest.is_valid = report.as_dict(), report.ok
    status = Quest.Status.DRAFT if report.ok else Quest.Status.NEEDS_ATTENTION
    if report.ok:
        try:
            with transaction.atomic():
                quest.escrow_cp = quest_escrow_reward(quest=quest).escrow_cp
        except QuestEscrowError as error:  # the purse changed since the facts were read
            status = Quest.Status.NEEDS_ATTENTION
            quest.is_valid = False
            _note(quest, ESCROW_FAILED.format(error=error))
    else:
        _note(quest, TEMPLATE_INVALID.format(codes=", ".join(sorted(report.codes))))
    quest.status = status
    _with_task(quest, task_id)
    quest.full_clean(validate_unique=False)
    quest.save(
        update_fields=[
            "status",
            "validation",
            "is_valid",
            "narrator",
            "error",
            "task_ids",
            "escrow_cp",
            "updated_at",
        ]
    )
    if quest.hook_id is not None:
        QuestHook.objects.filter(pk=quest.hook_id, status=QuestHook.Status.OPEN).update(
            status=QuestHook.Status.DRAFTED
        )
    return quest


# --- Dispatch -------------------------------------------------------------------------------


def plot_task_arguments(hook: QuestHook) -> tuple[dict, list[int]]:
    """(triggering_event_details, involved_npcs) as `quests.generate_plot` takes them: JSON-safe."""
    details = {
        "hook_id": hook.pk,
        "world_id": hook.world_id,
        "kind": hook.kind,
        "key": hook.key,
        "motivation": hook.motivation,
        "summary": hook.summary,
        "settlement_id": hook.settlement_id,
        "giver_id": hook.giver_id,
        "facts": hook.facts,
    }
    return details, sorted(hook.involved.values_list("id", flat=True))


def quest_generation_dispatch(*, hook: QuestHook) -> str:
    """Queue generation for `hook` after commit (plot, then objectives); returns the plot task's id."""
    from quests.tasks.generation import generate_quest_plot_task

    details, involved = plot_task_arguments(hook)
    return dispatch_on_commit(generate_quest_plot_task, details, involved)


def quest_objectives_dispatch(*, quest: Quest) -> str:
    from quests.tasks.generation import populate_quest_objectives_task

    return dispatch_on_commit(populate_quest_objectives_task, quest.pk)


@transaction.atomic
def quest_generation_retry(*, quest: Quest) -> str:
    """Run generation again for a failed (or needs-attention) quest; returns the task id.

    A quest with a plot goes straight to the objectives stage; one without starts over.
    """
    quest = Quest.objects.select_for_update(of=("self",)).select_related("hook").get(pk=quest.pk)
    if quest.status not in (Quest.Status.FAILED, Quest.Status.NEEDS_ATTENTION) or quest.hook is None:
        raise QuestGenerationError(NOT_RETRYABLE.format(quest=quest.pk, status=quest.status))
    quest.status = Quest.Status.GENERATING
    quest.error = ""
    quest.full_clean(validate_unique=False)
    quest.save(update_fields=["status", "error", "updated_at"])
    if quest.title:
        return quest_objectives_dispatch(quest=quest)
    return quest_generation_dispatch(hook=quest.hook)


def quest_generation_dispatch_open(*, limit: int) -> list[str]:
    """Dispatch generation for up to `limit` open hooks that have no quest for their current detection."""
    dispatched = []
    for hook in hooks_without_quest().iterator():
        if len(dispatched) >= limit:
            break
        if Quest.objects.filter(generation_key=hook.generation_key).exists():
            continue
        dispatched.append(quest_generation_dispatch(hook=hook))
    return dispatched
