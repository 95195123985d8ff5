"""Reads for the LLM layer: today's spend, budgets, recent calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from gmconsole.models import LLMBudget, LLMCall
from world.models import World


def day_start(now: datetime | None = None) -> datetime:
    """Midnight of the current day in the project's time zone (UTC): budgets are per calendar day."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date(), time.min), timezone.get_current_timezone())


def llm_spent_today(*, world: World) -> Decimal:
    total = LLMCall.objects.filter(world=world, created_at__gte=day_start()).aggregate(total=Sum("cost_usd"))[
        "total"
    ]
    return total or Decimal(0)


def llm_budget_for(*, world: World) -> Decimal:
    """The world's daily budget, or LLM_DEFAULT_DAILY_BUDGET_USD when its GM never set one."""
    daily = LLMBudget.objects.filter(world=world).values_list("daily_usd", flat=True).first()
    return Decimal(daily) if daily is not None else Decimal(settings.LLM_DEFAULT_DAILY_BUDGET_USD)


def llm_calls_recent(*, world: World | None = None, limit: int = 50) -> QuerySet[LLMCall]:
    calls = LLMCall.objects.select_related("world").order_by("-created_at", "-id")
    if world is not None:
        calls = calls.filter(world=world)
    return calls[:limit]


@dataclass(frozen=True)
class WorldSpend:
    world: World
    spent_usd: Decimal
    budget_usd: Decimal
    is_default: bool
    calls_today: int

    @property
    def exhausted(self) -> bool:
        return self.spent_usd >= self.budget_usd

    @property
    def used_pct(self) -> float:
        if self.budget_usd <= 0:
            return 100.0
        return min(100.0, float(self.spent_usd / self.budget_usd * 100))


def llm_spend_by_world() -> list[WorldSpend]:
    """Today's spend against the budget for every world, in three queries."""
    worlds = list(World.objects.order_by("name", "id"))
    budgets = dict(LLMBudget.objects.values_list("world_id", "daily_usd"))
    spent = {
        row["world_id"]: (row["total"] or Decimal(0), row["n"])
        for row in LLMCall.objects.filter(world__isnull=False, created_at__gte=day_start())
        .values("world_id")
        .annotate(total=Sum("cost_usd"), n=Count("id"))
    }
    default = Decimal(settings.LLM_DEFAULT_DAILY_BUDGET_USD)
    return [
        WorldSpend(
            world=world,
            spent_usd=spent.get(world.pk, (Decimal(0), 0))[0],
            budget_usd=Decimal(budgets.get(world.pk, default)),
            is_default=world.pk not in budgets,
            calls_today=spent.get(world.pk, (Decimal(0), 0))[1],
        )
        for world in worlds
    ]
