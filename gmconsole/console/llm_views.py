"""The console's LLM page: recent model calls, today's spend against each world's budget, and
a form to set a budget. Mounted at /llm/ by gmconsole/console/urls.py (`urlpatterns` below)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from gmconsole.console import display
from gmconsole.console.access import staff_required
from gmconsole.llm.selectors import llm_calls_recent, llm_spend_by_world
from gmconsole.llm.services import llm_budget_set
from gmconsole.models import LLMCall
from world import selectors as world_selectors
from world.models import World

CALLS_ON_PAGE = 100

BUDGET_SAVED = "Daily LLM budget for {world} set to ${amount}."
BUDGET_NOT_SAVED = "Budget not changed: {errors}"

# Outcomes a GM should notice at a glance.
OUTCOME_TONE = {
    LLMCall.Outcome.OK: "ok-text",
    LLMCall.Outcome.REPAIRED: "ok-text",
    LLMCall.Outcome.TEMPLATE: "muted",
    LLMCall.Outcome.BUDGET: "warn-text",
    LLMCall.Outcome.RATE_LIMITED: "warn-text",
    LLMCall.Outcome.UNAVAILABLE: "warn-text",
    LLMCall.Outcome.INVALID: "error-text",
    LLMCall.Outcome.BAD_REQUEST: "error-text",
}


class BudgetForm(forms.Form):
    world = forms.ModelChoiceField(queryset=World.objects.all())
    daily_usd = forms.DecimalField(min_value=Decimal(0), max_digits=10, decimal_places=2)


def usd(amount: Decimal | None) -> str:
    """'$0.42', or more digits for the fractions of a cent a single call costs."""
    if amount is None:
        return "—"
    if amount == 0:
        return "$0"
    if abs(amount) >= Decimal("0.01"):
        return f"${amount:.2f}"
    return f"${amount.normalize():f}"


def _filter_world(request: HttpRequest) -> World | None:
    raw = request.GET.get("world")
    if raw and raw.isdigit():
        return world_selectors.worlds_all().filter(pk=int(raw)).first()
    return None


def _calls_context(request: HttpRequest) -> dict:
    shown_world = _filter_world(request)
    now = timezone.now()
    rows = [
        {
            "call": call,
            "cost": usd(call.cost_usd),
            "latency": display.duration(call.latency_ms),
            "ago": display.ago(call.created_at, now=now),
            "tone": OUTCOME_TONE.get(call.outcome, "muted"),
        }
        for call in llm_calls_recent(world=shown_world, limit=CALLS_ON_PAGE)
    ]
    return {"calls": rows, "shown_world": shown_world}


@require_GET
@staff_required
def llm_overview(request: HttpRequest) -> HttpResponse:
    spend = [
        {"row": row, "spent": usd(row.spent_usd), "budget": usd(row.budget_usd)}
        for row in llm_spend_by_world()
    ]
    context = {
        "worlds": list(world_selectors.worlds_all()),
        "spend": spend,
        "llm": {
            "configured": bool(settings.OPENROUTER_API_KEY),  # never the key itself
            "model": settings.LLM_MODEL,
            "endpoint": urlsplit(settings.LLM_BASE_URL).netloc or settings.LLM_BASE_URL,
            "timeout": settings.LLM_TIMEOUT_SECONDS,
            "attempts": settings.LLM_MAX_ATTEMPTS,
            "concurrency": settings.LLM_CONCURRENCY,
            "default_budget": usd(Decimal(settings.LLM_DEFAULT_DAILY_BUDGET_USD)),
        },
        **_calls_context(request),
    }
    return render(request, "console/llm.html", context)


@require_GET
@staff_required
def llm_calls_panel(request: HttpRequest) -> HttpResponse:
    return render(request, "console/llm_calls.html", _calls_context(request))


@require_POST
@staff_required
def llm_budget_update(request: HttpRequest) -> HttpResponse:
    form = BudgetForm(request.POST)
    if form.is_valid():
        budget = llm_budget_set(
            world=form.cleaned_data["world"], daily_usd=form.cleaned_data["daily_usd"], user=request.user
        )
        messages.success(request, BUDGET_SAVED.format(world=budget.world, amount=f"{budget.daily_usd:.2f}"))
    else:
        errors = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        messages.error(request, BUDGET_NOT_SAVED.format(errors=errors))
    return redirect("console:llm")


urlpatterns = [
    path("", llm_overview, name="llm"),
    path("calls/", llm_calls_panel, name="llm_calls"),
    path("budget/", llm_budget_update, name="llm_budget"),
]
