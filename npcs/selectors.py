"""Reads of the people of the world."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from npcs.models import Activity, Npc
from npcs.sim import settlement_safety
from world.models import Settlement, World

NEEDS: tuple[str, ...] = ("hunger", "rest", "social", "safety")


def npcs_in_settlement(*, settlement: Settlement, alive_only: bool = True) -> QuerySet[Npc]:
    """NPCs of one settlement by name (the page already knows the settlement: no join)."""
    qs = Npc.objects.filter(settlement=settlement)
    if alive_only:
        qs = qs.filter(is_alive=True)
    return qs.order_by("name", "id")


@dataclass(frozen=True)
class PopulationSummary:
    """Living NPCs: how many, what they are doing now, and how well their needs are met."""

    living: int
    activities: dict[str, int]  # every Activity value, in declaration order
    needs: dict[str, float | None]  # average satisfaction 0–100 per need; None with nobody alive

    def activity_rows(self) -> list[tuple[str, int, float]]:
        """(activity, count, percent of the living) for templates."""
        return [
            (name, n, (100.0 * n / self.living) if self.living else 0.0)
            for name, n in self.activities.items()
        ]


def npc_population_summary(
    *, world: World | None = None, settlement: Settlement | None = None
) -> PopulationSummary:
    """Activity counts and average needs of living NPCs in ONE grouped query (no per-NPC reads)."""
    qs = Npc.objects.filter(is_alive=True)
    if world is not None:
        qs = qs.filter(world=world)
    if settlement is not None:
        qs = qs.filter(settlement=settlement)
    rows = (
        qs.order_by()
        .values("activity")
        .annotate(n=Count("id"), **{f"sum_{need}": Sum(need) for need in NEEDS})
    )
    activities = dict.fromkeys(Activity.values, 0)
    sums = dict.fromkeys(NEEDS, 0)
    living = 0
    for row in rows:
        activities[row["activity"]] = activities.get(row["activity"], 0) + row["n"]
        living += row["n"]
        for need in NEEDS:
            sums[need] += row[f"sum_{need}"] or 0
    needs = {need: (sums[need] / living if living else None) for need in NEEDS}
    return PopulationSummary(living=living, activities=activities, needs=needs)


def settlement_safety_level(*, settlement_id: int) -> int:
    """How safe a settlement feels (walls, citadel, guards per head), counted in one query.

    The tick shard computes the same from the NPCs it has already loaded (world.services.ticks).
    """
    alive = Q(npcs__is_alive=True)
    row = (
        Settlement.objects.filter(pk=settlement_id)
        .annotate(
            people=Count("npcs", filter=alive),
            guards=Count("npcs", filter=alive & Q(npcs__profession="guard")),
        )
        .values_list("has_walls", "has_citadel", "people", "guards")
        .first()
    )
    if row is None:
        return 50
    walls, citadel, people, guards = row
    return settlement_safety(has_walls=walls, has_citadel=citadel, guards=guards, npcs=people)
