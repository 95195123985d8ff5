"""The hook scan on the real imported demo world (Mones: 121 settlements, ~10,000 NPCs).

200 inline ticks take about two minutes here (0.5–1 s a tick), too slow for a test, so the
world runs a few ticks and a trouble is then made by hand: Searing's bread runs out.
"""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from economy.models import Item, MarketStock
from npcs.models import Npc
from quests.hooks import hooks_detect
from quests.models import QuestHook
from quests.selectors import hooks_snapshot
from quests.services import HOOK_EXPIRE_AFTER_TICKS, hooks_scan
from world.models import ChronicleEntry, Settlement, World
from world.services.ticks import tick_run_inline

pytestmark = pytest.mark.django_db

TICKS = 6


@pytest.fixture
def mones(mones_path) -> World:
    call_command("import_items", stdout=StringIO())
    call_command("import_world", str(mones_path), stdout=StringIO())
    world = World.objects.get()
    started = time.perf_counter()
    for _ in range(TICKS):
        tick_run_inline(world=world)
    print(
        f"{TICKS} Mones ticks inline: {time.perf_counter() - started:.1f} s"
    )  # a measurement, for the record
    world.refresh_from_db()
    return world


def scan_until_settled(world: World, *, limit: int = 15) -> list:
    """Scan until a scan raises nothing new (each raises a capped few)."""
    results = []
    for _ in range(limit):
        results.append(hooks_scan(world=world))
        if not results[-1].created and not results[-1].reopened:
            return results
    raise AssertionError(f"still raising new hooks after {limit} scans: {results[-1].as_dict()}")


def test_the_scan_ties_mones_troubles_to_real_places_people_and_goods(mones):
    searing = Settlement.objects.get(world=mones, name="Searing")
    MarketStock.objects.filter(market__settlement=searing, item__code="bread").update(quantity=0)
    ChronicleEntry.objects.create(
        world=mones,
        tick=mones.current_tick,
        kind="event",
        text="Wolves were seen on the road.",
        settlement=searing,
    )

    results = scan_until_settled(mones)

    hooks = list(QuestHook.objects.filter(world=mones).select_related("settlement", "giver"))
    assert len(hooks) >= 10
    assert {h.kind for h in hooks} >= {"shortage", "war", "chronicle_event"}
    for hook in hooks:
        assert hook.settlement.world_id == mones.pk
        assert hook.giver.settlement_id == hook.settlement_id and hook.giver.is_alive
        assert hook.involved.filter(pk=hook.giver_id).exists()
    items = set(Item.objects.values_list("pk", flat=True))
    assert all(h.item_id in items for h in hooks if h.kind in ("shortage", "dear_goods"))
    bread = QuestHook.objects.get(world=mones, key=f"shortage:settlement:{searing.pk}:bread")
    assert bread.giver.profession == "baker" and bread.motivation == "comfort"
    assert bread.facts["quantity"] == 0 and bread.facts["target"] > 0
    assert QuestHook.objects.get(world=mones, kind="chronicle_event").settlement == searing
    assert ChronicleEntry.objects.filter(world=mones, kind="quest").count() == sum(
        1 for r in results if r.chronicle_id
    )

    # Scanning again changes nothing: no duplicates, no new entries.
    count, entries = QuestHook.objects.count(), ChronicleEntry.objects.count()
    again = hooks_scan(world=mones)
    assert again.created == [] and again.reopened == []
    assert (QuestHook.objects.count(), ChronicleEntry.objects.count()) == (count, entries)
    assert again.ms < 5_000


def test_a_mones_trouble_that_passes_expires(mones):
    searing = Settlement.objects.get(world=mones, name="Searing")
    MarketStock.objects.filter(market__settlement=searing, item__code="bread").update(quantity=0)
    scan_until_settled(mones)
    key = f"shortage:settlement:{searing.pk}:bread"
    assert QuestHook.objects.get(key=key).status == "open"

    MarketStock.objects.filter(market__settlement=searing, item__code="bread").update(quantity=F("target"))
    World.objects.filter(pk=mones.pk).update(current_tick=F("current_tick") + HOOK_EXPIRE_AFTER_TICKS + 1)
    result = hooks_scan(world=mones)

    assert result.expired >= 1
    assert QuestHook.objects.get(key=key).status == "expired"
    assert QuestHook.objects.filter(world=mones, status="open").exists()  # troubles still there stay open


def test_detection_on_mones_finds_the_war_and_casts_people_of_the_place(mones):
    candidates = hooks_detect(hooks_snapshot(world=mones))

    wars = [c for c in candidates if c.kind == "war"]
    assert len(wars) == 1 and wars[0].faction_id != wars[0].rival_faction_id
    homes = dict(Npc.objects.filter(world=mones).values_list("pk", "settlement_id"))
    assert all(homes[c.giver_id] == c.settlement_id for c in candidates if c.kind != "dangerous_route")
