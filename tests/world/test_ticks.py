import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from economy.goods import FOODS
from economy.models import Market, MarketStock, PricePoint
from npcs.models import Npc
from tests.world.world_fixtures import small_world
from world.models import ChronicleEntry, Settlement, ShardRun, TickRun, World
from world.services import ticks

pytestmark = pytest.mark.django_db


def money(world: World) -> int:
    purses = Npc.objects.filter(world=world).aggregate(s=Sum("purse"))["s"] or 0
    cash = Market.objects.filter(world=world).aggregate(s=Sum("cash"))["s"] or 0
    treasury = Settlement.objects.filter(world=world).aggregate(s=Sum("treasury"))["s"] or 0
    return purses + cash + treasury


def snapshot(world: World) -> dict:
    return {
        "npcs": list(
            Npc.objects.filter(world=world)
            .order_by("id")
            .values_list("hunger", "rest", "social", "safety", "activity", "purse", "food", "last_tick")
        ),
        "stocks": list(
            MarketStock.objects.filter(market__world=world)
            .order_by("id")
            .values_list("quantity", "price", "demand", "supply")
        ),
        "money": money(world),
    }


def test_inline_tick_moves_the_world_and_records_it():
    world = small_world()
    before = snapshot(world)

    run = ticks.tick_run_inline(world=world)

    world.refresh_from_db()
    assert world.current_tick == 1
    assert run.status == TickRun.Status.DONE
    assert run.shards_total == 2 and run.shards_done == 2
    assert run.npc_updates == Npc.objects.filter(world=world).count() == 4 * 18
    after = snapshot(world)
    assert after["npcs"] != before["npcs"]
    assert all(row[-1] == 1 for row in after["npcs"])  # every NPC applied at tick 1
    entry = ChronicleEntry.objects.get(world=world, kind=ChronicleEntry.Kind.TICK, tick=1)
    assert entry.text.startswith("Day 1, 00:00 — 72 people:")
    assert PricePoint.objects.filter(world=world, tick=1).count() == 9


def test_money_is_conserved_over_a_day():
    world = small_world()
    start = money(world)

    for _ in range(24):
        ticks.tick_run_inline(world=world)

    assert money(world) == start
    # ...while a lot changed hands
    runs = TickRun.objects.filter(world=world)
    assert sum(r.summary["trade_cp"] for r in runs) > 500
    produced = {}
    for r in runs:
        for code, q in r.summary["produced"].items():
            produced[code] = produced.get(code, 0) + q
    assert produced["wheat"] > 0 and produced["flour"] > 0 and produced["bread"] > 0


def test_goods_are_conserved_over_a_day():
    world = small_world()
    stock_before = dict(
        MarketStock.objects.filter(market__world=world)
        .values_list("item__code")
        .annotate(q=Sum("quantity"))
        .values_list("item__code", "q")
    )
    food_before = Npc.objects.filter(world=world).aggregate(s=Sum("food"))["s"]

    for _ in range(24):
        ticks.tick_run_inline(world=world)

    stock_after = dict(
        MarketStock.objects.filter(market__world=world)
        .values_list("item__code")
        .annotate(q=Sum("quantity"))
        .values_list("item__code", "q")
    )
    food_after = Npc.objects.filter(world=world).aggregate(s=Sum("food"))["s"]
    produced, consumed = {}, {}
    for summary in TickRun.objects.filter(world=world).values_list("summary", flat=True):
        for code, q in summary["produced"].items():
            produced[code] = produced.get(code, 0) + q
        for code, q in summary["consumed"].items():
            consumed[code] = consumed.get(code, 0) + q
    larder_delta = food_after - food_before  # meals bought for the larder left the market too
    meals_at_home = sum(
        s["meals_at_home"] for s in TickRun.objects.filter(world=world).values_list("summary", flat=True)
    )
    for code in stock_before:
        delta = stock_after[code] - stock_before[code]
        if code in FOODS:
            continue  # larder purchases are checked in aggregate below
        assert delta == produced.get(code, 0) - consumed.get(code, 0), code
    food_delta = sum(stock_after[c] - stock_before[c] for c in FOODS)
    food_net = sum(produced.get(c, 0) - consumed.get(c, 0) for c in FOODS)
    assert food_delta == food_net - (larder_delta + meals_at_home)


def test_the_same_shard_twice_applies_once():
    world = small_world(regions=1)
    start = ticks.tick_begin(world=world)
    region_id = start.region_ids[0]

    first = ticks.region_tick_apply(world_id=world.pk, tick=1, region_id=region_id)
    after_first = snapshot(world)
    second = ticks.region_tick_apply(world_id=world.pk, tick=1, region_id=region_id)

    assert first["npc_updates"] == 36 and "skipped" not in first
    assert second == {"shard": f"region:{region_id}", "tick": 1, "skipped": True}
    assert snapshot(world) == after_first
    assert ShardRun.objects.filter(world=world, tick=1).count() == 1


def test_finishing_a_tick_twice_records_it_once():
    world = small_world(regions=1)
    start = ticks.tick_begin(world=world)
    ticks.region_tick_apply(world_id=world.pk, tick=1, region_id=start.region_ids[0])

    ticks.tick_finish(world_id=world.pk, tick=1)
    again = ticks.tick_finish(world_id=world.pk, tick=1)

    assert again == {"tick": 1, "already_done": True}
    assert ChronicleEntry.objects.filter(world=world, kind="tick").count() == 1
    world.refresh_from_db()
    assert world.current_tick == 1


def test_a_tick_is_skipped_while_another_runs():
    world = small_world(regions=1)
    running = ticks.tick_begin(world=world)

    skipped = ticks.tick_begin(world=world)

    assert running is not None and skipped is None
    world.refresh_from_db()
    assert world.ticks_skipped == 1 and world.last_skipped_at is not None
    assert TickRun.objects.filter(world=world).count() == 1


def test_a_stale_tick_no_longer_blocks(settings):
    settings.GMCONSOLE_TICK_STALE_SECONDS = 0
    world = small_world(regions=1)
    first = ticks.tick_begin(world=world)

    again = ticks.tick_begin(world=world)

    # The dead attempt at tick 1 is taken over, not skipped: its finished shards stay done.
    assert again is not None and again.run.pk == first.run.pk
    assert again.run.status == TickRun.Status.RUNNING and again.run.started_at > first.run.started_at
    world.refresh_from_db()
    assert world.ticks_skipped == 0


def test_region_shard_reads_and_writes_in_bulk():
    world = small_world(regions=1, towns_per_region=4)
    start = ticks.tick_begin(world=world)

    with CaptureQueriesContext(connection) as ctx:
        ticks.region_tick_apply(world_id=world.pk, tick=1, region_id=start.region_ids[0])

    # A constant number of queries whatever the number of NPCs (72 here): no per-row work.
    assert len(ctx.captured_queries) <= 20, [q["sql"][:80] for q in ctx.captured_queries]


def test_tick_without_markets_still_runs_needs():
    world = small_world(regions=1, with_markets=False)

    runs = [ticks.tick_run_inline(world=world) for _ in range(8)]  # to 07:00, when farmers are out

    assert all(run.status == TickRun.Status.DONE for run in runs)
    assert runs[-1].summary["activities"]["work"] > 0
    assert runs[-1].summary["idle_reasons"]["no-market"] == runs[-1].summary["activities"]["work"]
    assert set(Npc.objects.filter(world=world).values_list("last_tick", flat=True)) == {8}


def test_a_tick_cut_off_midway_is_taken_over_and_finished_without_reapplying(settings):
    # given a tick stopped after one of its two shards (say, the stack was stopped)
    world = small_world(regions=2)
    first = ticks.tick_begin(world=world)
    done_region, other_region = first.region_ids
    ticks.region_tick_apply(world_id=world.pk, tick=1, region_id=done_region)
    after_one_shard = Npc.objects.filter(region_id=done_region).order_by("id").values_list("hunger", "purse")
    after_one_shard = list(after_one_shard)

    # when it has gone stale and the next scheduled tick comes
    settings.GMCONSOLE_TICK_STALE_SECONDS = 0
    again = ticks.tick_begin(world=world)
    for region_id in again.region_ids:
        ticks.region_tick_apply(world_id=world.pk, tick=again.run.tick, region_id=region_id)
    ticks.tick_finish(world_id=world.pk, tick=again.run.tick)

    # then the same tick is finished: the applied shard was not applied again, the other one was
    assert again.run.tick == 1
    world.refresh_from_db()
    assert world.current_tick == 1
    assert (
        list(Npc.objects.filter(region_id=done_region).order_by("id").values_list("hunger", "purse"))
        == after_one_shard
    )
    assert set(Npc.objects.filter(region_id=other_region).values_list("last_tick", flat=True)) == {1}
    assert TickRun.objects.get(world=world, tick=1).npc_updates == 72


def test_a_tick_whose_shards_all_landed_but_whose_callback_was_lost_is_closed_by_the_next_one():
    # given every shard of tick 1 applied, and the chord's callback lost (the stack stopped)
    world = small_world(regions=2)
    first = ticks.tick_begin(world=world)
    for region_id in first.region_ids:
        ticks.region_tick_apply(world_id=world.pk, tick=1, region_id=region_id)

    # when the next schedule firing comes, long before the tick would count as stale
    second = ticks.tick_begin(world=world)

    # then tick 1 is closed at once and tick 2 opens: no frozen minute after a restart
    first.run.refresh_from_db()
    assert first.run.status == TickRun.Status.DONE and first.run.shards_done == 2
    assert second is not None and second.run.tick == 2
    world.refresh_from_db()
    assert world.current_tick == 1 and world.ticks_skipped == 0


def test_the_bread_arrow_agrees_with_the_price_as_shown():
    world = small_world(regions=1)
    stats = {"npcs": 1, "activities": {"work": 1}}
    assert ticks._summary_line(world, 2, stats, {"bread": (2.26, 2.31)}).endswith("Bread 2.3 cp.")
    assert ticks._summary_line(world, 2, stats, {"bread": (2.36, 2.31)}).endswith("Bread 2.4 cp ▲.")
    assert ticks._summary_line(world, 2, stats, {"bread": (1.5, 2.2)}).endswith("Bread 1.5 cp ▼.")
