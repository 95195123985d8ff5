"""The console's quest review: the queue of drafted quests and one quest's page, where the GM
approves, edits, rejects or regenerates it. Mounted at /quests/ by gmconsole/console/urls.py
(`urlpatterns` below). Approval here is the gate: nothing reaches players before it."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from gmconsole.console import display
from gmconsole.console.access import staff_required
from gmconsole.console.views import NO_WORLD, _current_world, _page_context
from quests import review
from quests.models import Quest
from quests.services import QuestEscrowError

QUESTS_PER_PAGE = 50

APPROVED = "Quest “{title}” published: players can see it now."
EDITED_VALID = "Quest “{title}” saved; it passes validation and is a draft again."
EDITED_INVALID = "Quest “{title}” saved, but it needs attention: {problems} problem{s}."
REJECTED = "Quest “{title}” rejected."
REGENERATING = "Regeneration of quest “{title}” queued (task {task_id})."
REGENERATING_NO_ID = "Regeneration of quest “{title}” requested."
INVALID_JSON = "Objectives are not valid JSON: {error}"


class QuestEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    pitch = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    stakes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    twist = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    reward_cp = forms.IntegerField(min_value=0, label="Reward (cp)")
    objectives = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "class": "json-input", "spellcheck": "false"}),
        help_text='A JSON list: {"key", "action", "text", "settlement_id", "npc_id", "item", '
        '"route_id", "quantity", "requires": [keys]}',
    )

    def clean_objectives(self) -> list:
        try:
            value = json.loads(self.cleaned_data["objectives"])
        except json.JSONDecodeError as e:
            raise forms.ValidationError(INVALID_JSON.format(error=e)) from e
        if not isinstance(value, list):
            raise forms.ValidationError(review.BAD_OBJECTIVES)
        return value


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


def _edit_initial(quest: Quest) -> dict:
    return {
        "title": quest.title,
        "pitch": quest.pitch,
        "stakes": quest.stakes,
        "twist": quest.twist,
        "reward_cp": quest.reward_cp,
        "objectives": json.dumps(review.quest_objective_dicts(quest=quest), indent=2, ensure_ascii=False),
    }


def _problems(quest: Quest) -> list[dict]:
    return list((quest.validation or {}).get("problems") or [])


def _get_quest(quest_id: int) -> Quest:
    try:
        return review.quest_for_review(quest_id=quest_id)
    except Quest.DoesNotExist as e:
        raise Http404(f"No quest {quest_id}.") from e


# --- queue ---------------------------------------------------------------------------------


@require_GET
@staff_required
def quest_queue(request: HttpRequest) -> HttpResponse:
    world = _current_world(request)
    if world is None:
        return render(request, "console/no_world.html", _page_context(request, None, message=NO_WORLD))
    status = request.GET.get("status") or ""
    if status not in Quest.Status.values:
        status = ""
    page = Paginator(
        review.quests_review_queue(world=world, status=status or None), QUESTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "quest": q,
            "reward": display.coins(q.reward_cp),
            "problems": len(_problems(q)),
            "checked": bool(q.validation),
            "ago": display.ago(q.created_at, now=now),
        }
        for q in page.object_list
    ]
    context = _page_context(
        request,
        world,
        rows=rows,
        page=page,
        status=status,
        statuses=Quest.Status.choices,
        hx_base=request.path,
        target="#quest-queue",
    )
    if getattr(request, "htmx", None) and not request.htmx.boosted:
        return render(request, "console/partials/quest_queue.html", context)
    return render(request, "console/quests.html", context)


# --- one quest -----------------------------------------------------------------------------


def _detail_context(request: HttpRequest, quest: Quest, **forms_given) -> dict:
    now = timezone.now()
    problems = _problems(quest)
    objectives = list(review.quest_objectives_for_review(quest=quest))
    log = list(review.quest_review_log(quest=quest))
    tasks = list(review.quest_task_results(quest=quest))
    hook = quest.hook
    return _page_context(
        request,
        quest.world,
        quest=quest,
        hook=hook,
        hook_facts=sorted((hook.facts or {}).items()) if hook is not None else [],
        involved=list(hook.involved.all()) if hook is not None else [],
        objectives=objectives,
        problems=problems,
        by_objective={p.get("objective_key") for p in problems if p.get("objective_key")},
        reward=display.coins(quest.reward_cp),
        escrow=display.coins(quest.escrow_cp),
        log=[{"entry": e, "ago": display.ago(e.created_at, now=now)} for e in log],
        tasks=[
            {
                "result": t,
                "args": t.task_args or t.task_kwargs or "",
                "done_ago": display.ago(t.date_done, now=now),
            }
            for t in tasks
        ],
        missing_tasks=len(quest.task_ids or []) - len(tasks),
        assignments=list(review.quest_assignments_for_review(quest=quest)),
        can_approve=quest.status == Quest.Status.DRAFT and quest.is_valid,
        can_edit=quest.status in review.EDITABLE,
        can_reject=quest.status in review.REJECTABLE,
        can_regenerate=quest.status in review.REGENERABLE,
        edit_form=forms_given.get("edit_form") or QuestEditForm(initial=_edit_initial(quest)),
        reject_form=forms_given.get("reject_form") or RejectForm(),
        open_form=forms_given.get("open_form", ""),
    )


@require_GET
@staff_required
def quest_detail(request: HttpRequest, quest_id: int) -> HttpResponse:
    return render(request, "console/quests_detail.html", _detail_context(request, _get_quest(quest_id)))


@require_POST
@staff_required
def quest_approve_view(request: HttpRequest, quest_id: int) -> HttpResponse:
    quest = _get_quest(quest_id)
    try:
        quest = review.quest_approve(quest=quest, user=request.user)
    except (review.QuestReviewError, QuestEscrowError) as e:
        messages.error(request, str(e))
    else:
        messages.success(request, APPROVED.format(title=quest.title))
    return redirect("console:quest_detail", quest_id=quest_id)


@require_POST
@staff_required
def quest_edit_view(request: HttpRequest, quest_id: int) -> HttpResponse:
    quest = _get_quest(quest_id)
    form = QuestEditForm(request.POST)
    if form.is_valid():
        try:
            quest = review.quest_edit(quest=quest, user=request.user, **form.cleaned_data)
        except (review.QuestReviewError, QuestEscrowError) as e:
            form.add_error(None, str(e))
        else:
            if quest.is_valid:
                messages.success(request, EDITED_VALID.format(title=quest.title))
            else:
                n = len(_problems(quest))
                messages.error(
                    request, EDITED_INVALID.format(title=quest.title, problems=n, s="" if n == 1 else "s")
                )
            return redirect("console:quest_detail", quest_id=quest_id)
    # Show the GM's own text again with what is wrong, rather than losing it in a redirect.
    context = _detail_context(request, quest, edit_form=form, open_form="edit")
    return render(request, "console/quests_detail.html", context, status=400)


@require_POST
@staff_required
def quest_reject_view(request: HttpRequest, quest_id: int) -> HttpResponse:
    quest = _get_quest(quest_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            quest = review.quest_reject(quest=quest, user=request.user, reason=form.cleaned_data["reason"])
        except (review.QuestReviewError, QuestEscrowError) as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, REJECTED.format(title=quest.title))
            return redirect("console:quest_detail", quest_id=quest_id)
    context = _detail_context(request, quest, reject_form=form, open_form="reject")
    return render(request, "console/quests_detail.html", context, status=400)


@require_POST
@staff_required
def quest_regenerate_view(request: HttpRequest, quest_id: int) -> HttpResponse:
    quest = _get_quest(quest_id)
    try:
        task_id = review.quest_regenerate(quest=quest, user=request.user)
    except review.QuestReviewError as e:
        messages.error(request, str(e))
    else:
        if task_id is None and review.generation_retry() is None:
            messages.error(request, review.REGENERATE_UNAVAILABLE)
        elif task_id:
            messages.success(request, REGENERATING.format(title=quest.title, task_id=task_id))
        else:
            messages.success(request, REGENERATING_NO_ID.format(title=quest.title))
    back = request.POST.get("next")
    if back == "queue":
        return redirect(f"{reverse('console:quest_queue')}?world={quest.world_id}")
    return redirect("console:quest_detail", quest_id=quest_id)


urlpatterns = [
    path("", quest_queue, name="quest_queue"),
    path("<int:quest_id>/", quest_detail, name="quest_detail"),
    path("<int:quest_id>/approve/", quest_approve_view, name="quest_approve"),
    path("<int:quest_id>/edit/", quest_edit_view, name="quest_edit"),
    path("<int:quest_id>/reject/", quest_reject_view, name="quest_reject"),
    path("<int:quest_id>/regenerate/", quest_regenerate_view, name="quest_regenerate"),
]
