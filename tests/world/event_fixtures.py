"""A small world with roads, for event tests: a line of towns across regions and two factions."""

from __future__ import annotations

from tests.factories import make_faction
from tests.world.world_fixtures import small_world
from world.models import Route, Settlement


def linked_world(*, regions: int = 3, towns_per_region: int = 2):
    """`small_world` with its towns linked in a line by roads (town i – town i+1), in region order."""
    world = small_world(regions=regions, towns_per_region=towns_per_region)
    towns = list(Settlement.objects.filter(world=world).order_by("region_id", "id"))
    Route.objects.bulk_create(
        Route(world=world, a_id=min(a.pk, b.pk), b_id=max(a.pk, b.pk), kind="road", distance_km=10)
        for a, b in zip(towns, towns[1:], strict=False)
    )
    return world, towns


def two_factions(world):
    """Split the regions between two states: the first half and the rest. Returns (first, second)."""
    first = make_faction(world=world, name="Northmark")
    second = make_faction(world=world, name="Southreach")
    regions = list(world.regions.order_by("id"))
    half = max(1, len(regions) // 2)
    for index, region in enumerate(regions):
        faction = first if index < half else second
        region.faction = faction
        region.save(update_fields=["faction"])
        Settlement.objects.filter(region=region).update(faction=faction)
    return first, second
