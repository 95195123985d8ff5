"""What a call cost, in USD (Decimal: money is never a float here)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings

MICRO_USD = Decimal("0.000001")
PER_MILLION = Decimal(1_000_000)


def llm_cost_usd(*, prompt_tokens: int, completion_tokens: int, reported: object = None) -> Decimal:
    """The cost the endpoint reported (OpenRouter's `usage.cost`), else tokens × the configured prices."""
    if reported is not None and not isinstance(reported, bool):
        try:
            cost = Decimal(str(reported))
        except InvalidOperation:
            cost = None
        if cost is not None and cost.is_finite() and cost >= 0:
            return cost.quantize(MICRO_USD)
    cost = (
        Decimal(prompt_tokens) * Decimal(settings.LLM_PRICE_IN_PER_MTOK)
        + Decimal(completion_tokens) * Decimal(settings.LLM_PRICE_OUT_PER_MTOK)
    ) / PER_MILLION
    return cost.quantize(MICRO_USD)
