"""The snapshot selectors read the whole world in a fixed, small number of queries."""

from __future__ import annotations

import pytest

from npcs.models import Npc
from quests.hooks import needs_summarise
from quests.selectors import hooks_snapshot, needs_info, npcs_info, world_facts
from tests import factories as f
from tests.quests.conftest import set_stock
from tests.world.world_fixtures import small_world
from world.models import ChronicleEntry, Faction, FactionRelation, Route, Settlement, Stance

pytestmark = pytest.mark.django_db

SNAPSHOT_QUERIES = 9
FACTS_QUERIES = 5 + 1  # + the wars in force, whose fronts cut roads


def connect(world) -> list[Settlement]:
    """A chain of roads through the world's towns, a war, and a chronicle event."""
    towns = list(Settlement.objects.filter(world=world).order_by("id"))
    Route.objects.bulk_create(
        Route(world=world, a=a, b=b, kind="road", distance_km=10)
        for a, b in zip(towns, towns[1:], strict=False)
    )
    ours = Faction.objects.filter(world=world).order_by("id").first()
    FactionRelation.objects.create(
        world=world, faction=ours, other=f.make_faction(world=world), stance=Stance.ENEMY
    )
    ChronicleEntry.objects.create(world=world, tick=0, kind="event", text="A comet.", settlement=towns[0])
    return towns


@pytest.mark.parametrize("regions,towns", [(1, 2), (4, 10)])
def test_the_hook_snapshot_takes_the_same_few_queries_for_any_size(regions, towns, django_assert_num_queries):
    world = small_world(regions=regions, towns_per_region=towns)
    connect(world)

    with django_assert_num_queries(SNAPSHOT_QUERIES):
        snap = hooks_snapshot(world=world)

    assert len(snap.settlements) == regions * towns
    assert len(snap.npcs) == Npc.objects.filter(world=world).count()
    assert len(snap.routes) == regions * towns - 1
    assert len(snap.goods) == regions * towns * 9
    assert len(snap.enemies) == 1 and len(snap.chronicle) == 1


def test_the_world_facts_take_a_few_queries(django_assert_max_num_queries):
    world = small_world(regions=4, towns_per_region=10)
    towns = connect(world)
    set_stock(towns[0], "hammer", quantity=0)

    with django_assert_max_num_queries(FACTS_QUERIES):
        facts = world_facts(world=world)

    assert facts.settlement_ids == {t.pk for t in towns}
    assert len(facts.npcs) == Npc.objects.filter(world=world).count()
    assert facts.stocked["hammer"] == {t.pk for t in towns[1:]}
    assert facts.produced["bread"] == {t.pk for t in towns}  # every town has bakers
    assert "hammer" not in facts.produced  # and no smith
    assert facts.reachable_from(towns[0].pk) == {t.pk for t in towns}
    assert {"bread", "hammer"} <= facts.item_codes


def test_the_dead_are_not_in_the_snapshot_or_the_facts():
    world = small_world(regions=1, towns_per_region=1)
    dead = Npc.objects.filter(world=world).first()
    Npc.objects.filter(pk=dead.pk).update(is_alive=False)

    assert dead.pk not in {n.id for n in hooks_snapshot(world=world).npcs}
    assert dead.pk not in world_facts(world=world).npcs


def test_the_needs_aggregate_in_sql_matches_the_pure_one():
    world = small_world(regions=1, towns_per_region=3)
    npcs = list(Npc.objects.filter(world=world).order_by("id"))
    for i, npc in enumerate(npcs):
        npc.hunger, npc.safety = (i * 7) % 100, (i * 13) % 100
    Npc.objects.bulk_update(npcs, ["hunger", "safety"])

    assert needs_info(world=world) == needs_summarise(npcs_info(world=world))
