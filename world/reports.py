"""Plain-text summaries of a world, for the command line (`simulate`, benchmarks)."""

from __future__ import annotations

from django.db.models import Avg, Count, Sum

from economy.models import Market, MarketStock
from npcs.models import Npc
from world.models import Settlement, World


def world_summary_line(*, world: World) -> str:
    npcs = Npc.objects.filter(world=world, is_alive=True)
    needs = npcs.aggregate(
        n=Count("id"),
        hunger=Avg("hunger"),
        rest=Avg("rest"),
        social=Avg("social"),
        safety=Avg("safety"),
        purses=Sum("purse"),
    )
    doing = dict(npcs.values_list("activity").annotate(c=Count("id")).values_list("activity", "c"))
    prices = dict(
        MarketStock.objects.filter(market__world=world, item__code__in=["bread", "wheat", "ale-mug", "iron"])
        .values_list("item__code")
        .annotate(p=Avg("price"))
        .values_list("item__code", "p")
    )
    cash = Market.objects.filter(world=world).aggregate(s=Sum("cash"))["s"] or 0
    treasury = Settlement.objects.filter(world=world).aggregate(s=Sum("treasury"))["s"] or 0
    day = (world.current_tick * world.hours_per_tick) // 24 + 1
    hour = (world.current_tick * world.hours_per_tick) % 24
    lines = [
        f"{world.name}: tick {world.current_tick} (day {day}, {hour:02d}:00), {needs['n'] or 0:,} NPCs",
        "  needs (avg): "
        + ", ".join(f"{k} {needs[k] or 0:.0f}" for k in ("hunger", "rest", "social", "safety")),
        "  doing: " + ", ".join(f"{v:,} {k}" for k, v in sorted(doing.items(), key=lambda kv: -kv[1])),
        "  prices (avg cp): " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(prices.items())),
        f"  money: purses {needs['purses'] or 0:,} cp, markets {cash:,} cp, treasuries {treasury:,} cp, "
        f"total {(needs['purses'] or 0) + cash + treasury:,} cp",
    ]
    return "\n".join(lines)
