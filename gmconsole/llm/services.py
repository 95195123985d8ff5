"""Writes for the LLM layer: call records and per-world daily budgets."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from gmconsole.models import LLMBudget, LLMCall
from world.models import World

ERROR_TEXT_LIMIT = 4000


def llm_call_record(
    *,
    purpose: str,
    narrator: str,
    outcome: str,
    world: World | None = None,
    model: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    cost_usd: Decimal = Decimal(0),
    latency_ms: int = 0,
    error: str = "",
    attempt: int = 1,
    task_id: str = "",
) -> LLMCall:
    """One row per request (or template answer). Not atomic on purpose: it is a single INSERT,
    and callers make it outside any transaction so the record survives the caller's failure."""
    call = LLMCall(
        world=world,
        purpose=purpose[:100],
        model=model[:200],
        narrator=narrator,
        outcome=outcome,
        prompt_tokens=max(0, int(prompt_tokens)),
        completion_tokens=max(0, int(completion_tokens)),
        cost_usd=cost_usd,
        latency_ms=max(0, int(latency_ms)),
        error=error[:ERROR_TEXT_LIMIT],
        attempt=attempt,
        task_id=(task_id or "")[:255],
    )
    call.full_clean()
    call.save()
    return call


@transaction.atomic
def llm_budget_set(*, world: World, daily_usd: Decimal, user=None) -> LLMBudget:
    """Set `world`'s daily LLM budget (USD). Zero turns the model off for that world."""
    budget = LLMBudget.objects.select_for_update().filter(world=world).first()
    if budget is None:
        budget = LLMBudget(world=world)
    budget.daily_usd = Decimal(daily_usd)
    budget.updated_by = user if user is not None and user.is_authenticated else None
    budget.full_clean()
    budget.save()
    return budget
