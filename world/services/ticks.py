"""The world tick: begin (no overlap), fan out one shard per region, finish (record the tick).

Shape of a tick on the workers:

    world.tick ──► tick_begin ──► chord(group(world.tick_region × regions), world.tick_finish)

Each region shard loads all its NPCs, markets and treasuries in a handful of queries, runs
the pure `world.sim.region_hour`, and writes everything back in bulk, in one transaction
that also inserts its `ShardRun` marker: the same (world, tick, shard) applies once.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, F, Sum
from django.utils import timezone

from economy.goods import MARKET_GOODS
from economy.models import MarketStock, PricePoint
from economy.services.books import books_load, books_save
from gmconsole.bulk_update import bulk_update_values
from gmconsole.dispatch import dispatch_on_commit
from npcs.models import Npc
from npcs.sim import settlement_safety
from world import sim
from world.events.services import events_tick, impacts_in_force, modifiers_by_town, price_spikes_record
from world.models import ChronicleEntry, Region, Settlement, ShardRun, TickRun, World
from world.rumours.services import rumours_spread_dispatch
from world.services.chronicle import chronicle_record

logger = logging.getLogger(__name__)

TICK_ALREADY_RUNNING = "Tick {tick} of {world} is still running; this tick was skipped."
NPC_WRITE_FIELDS = ["hunger", "rest", "social", "safety", "activity", "purse", "food", "last_tick"]


@dataclass(frozen=True)
class TickStart:
    run: TickRun
    region_ids: list[int]


def shard_key(region_id: int) -> str:
    return f"region:{region_id}"


def tick_hours(world: World, tick: int) -> list[int]:
    """Game hours covered by `tick` (tick 1 is hour 0 of day 1)."""
    first = (tick - 1) * world.hours_per_tick
    return [(first + i) % 24 for i in range(world.hours_per_tick)]


def world_region_ids(*, world: World) -> list[int]:
    return list(
        Region.objects.filter(world=world, settlements__isnull=False)
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)
    )


@transaction.atomic
def tick_begin(*, world: World, trigger: str = TickRun.Trigger.SCHEDULE) -> TickStart | None:
    """Open the next tick, or return None (and count a skip) while another tick is running.

    The World row is locked so two schedulers can't open the same tick; a tick running for
    longer than GMCONSOLE_TICK_STALE_SECONDS is declared failed and no longer blocks.
    """
    world = World.objects.select_for_update().get(pk=world.pk)
    running = TickRun.objects.filter(world=world, status=TickRun.Status.RUNNING).order_by("-tick").first()
    if running is not None and running.shards_total:
        applied = ShardRun.objects.filter(world=world, tick=running.tick).count()
        if applied >= running.shards_total:  # every shard landed but the chord's callback was lost
            tick_finish(
                world_id=world.pk, tick=running.tick
            )  # (a stop mid-tick): close it now, not when stale
            world = World.objects.get(pk=world.pk)
            running = None
    if running is not None:
        stale_after = timedelta(seconds=settings.GMCONSOLE_TICK_STALE_SECONDS)
        if timezone.now() - running.started_at < stale_after:
            World.objects.filter(pk=world.pk).update(
                ticks_skipped=F("ticks_skipped") + 1, last_skipped_at=timezone.now()
            )
            logger.info(TICK_ALREADY_RUNNING.format(tick=running.tick, world=world))
            return None
        running.status = TickRun.Status.FAILED
        running.error = f"Declared stale after {stale_after.total_seconds():.0f}s without finishing."
        running.finished_at = timezone.now()
        running.save(update_fields=["status", "error", "finished_at"])
    tick = world.current_tick + 1
    region_ids = world_region_ids(world=world)
    run, created = TickRun.objects.get_or_create(
        world=world,
        tick=tick,
        defaults={"trigger": trigger, "shards_total": len(region_ids)},
    )
    if not created:  # a failed or stale attempt at this tick: try again; finished shards are skipped
        run.status = TickRun.Status.RUNNING
        run.trigger = trigger
        run.error = ""
        run.started_at = timezone.now()
        run.finished_at = None
        run.shards_total = len(region_ids)
        run.save(update_fields=["status", "trigger", "error", "started_at", "finished_at", "shards_total"])
    return TickStart(run=run, region_ids=region_ids)


# --- one shard ----------------------------------------------------------------------------


NPC_COLUMNS = (
    "id",
    "settlement_id",
    "profession",
    "hunger",
    "rest",
    "social",
    "safety",
    "activity",
    "purse",
    "food",
    "last_tick",
)


def npc_states(queryset) -> list[sim.NpcState]:
    return [sim.NpcState(*row) for row in queryset.values_list(*NPC_COLUMNS)]


def npc_states_save(npcs: list[sim.NpcState]) -> None:
    bulk_update_values(
        Npc, NPC_WRITE_FIELDS, [(n.id, *(getattr(n, f) for f in NPC_WRITE_FIELDS)) for n in npcs]
    )


def safety_levels(settlement_ids, npcs: list[sim.NpcState]) -> dict[int, int]:
    """How safe each settlement feels: walls, citadel, and guards per head."""
    people = Counter(n.settlement_id for n in npcs)
    guards = Counter(n.settlement_id for n in npcs if n.profession == "guard")
    return {
        sid: settlement_safety(has_walls=walls, has_citadel=citadel, guards=guards[sid], npcs=people[sid])
        for sid, walls, citadel in Settlement.objects.filter(id__in=settlement_ids).values_list(
            "id", "has_walls", "has_citadel"
        )
    }


def region_tick_apply(*, world_id: int, tick: int, region_id: int) -> dict:
    """Apply tick `tick` to every NPC and market of one region, exactly once."""
    started = time.perf_counter()
    shard = shard_key(region_id)
    world = World.objects.get(pk=world_id)
    with transaction.atomic():
        try:
            with transaction.atomic():  # the marker first: a concurrent duplicate waits here, then fails
                marker = ShardRun.objects.create(world_id=world_id, tick=tick, shard=shard)
        except IntegrityError:
            return {"shard": shard, "tick": tick, "skipped": True}
        # Lock what the shard will write (NPCs, then settlements, markets, stocks, each in id
        # order, as the per-NPC services do), so a purse or stock written meanwhile by another
        # transaction (escrow, a player's trade) is not overwritten with a stale value.
        npcs = npc_states(
            Npc.objects.select_for_update().filter(region_id=region_id, is_alive=True).order_by("id")
        )
        loaded = books_load(region_id=region_id, lock=True)
        safety = safety_levels(list(loaded.books) + list(loaded.treasury_only), npcs)
        in_force = impacts_in_force(region_id=region_id, tick=tick)  # events felt here this tick
        modifiers = modifiers_by_town(in_force)
        stats = sim.HourStats()
        pending = [n for n in npcs if n.last_tick < tick]
        for index, hour in enumerate(tick_hours(world, tick)):
            for npc in pending:  # a tick of several game hours applies each hour once
                npc.last_tick = tick - 1
            hour_stats = sim.region_hour(
                pending, loaded.books, safety, hour=hour, tick=tick, modifiers=modifiers
            )
            stats = hour_stats if index == 0 else _merge(stats, hour_stats)
        npc_states_save(pending)
        books_save(loaded)
        if in_force:
            price_spikes_record(
                world=world, tick=tick, region=region_id, impacts=in_force, books=loaded.books
            )
        marker.npc_updates = len(pending)
        marker.duration_ms = round((time.perf_counter() - started) * 1000)
        marker.stats = stats.as_dict()
        marker.save(update_fields=["npc_updates", "duration_ms", "stats"])
    return {"shard": shard, "tick": tick, "npc_updates": marker.npc_updates, "ms": marker.duration_ms}


def _merge(a: sim.HourStats, b: sim.HourStats) -> sim.HourStats:
    merged = sim.HourStats()
    for name in (
        "npcs",
        "skipped",
        "meals_bought",
        "meals_at_home",
        "went_hungry",
        "drinks",
        "tools_bought",
        "wages",
        "taxes",
        "trade_cp",
    ):
        setattr(merged, name, getattr(a, name) + getattr(b, name))
    for name in ("activities", "produced", "consumed", "idle_reasons"):
        setattr(merged, name, getattr(a, name) + getattr(b, name))
    return merged


# --- finish -------------------------------------------------------------------------------


def _sum_stats(rows: list[dict]) -> dict:
    total: dict = {
        "activities": Counter(),
        "produced": Counter(),
        "consumed": Counter(),
        "idle_reasons": Counter(),
    }
    for row in rows:
        for key, value in row.items():
            if isinstance(value, dict):
                total.setdefault(key, Counter()).update(value)
            else:
                total[key] = total.get(key, 0) + value
    return {k: dict(v) if isinstance(v, Counter) else v for k, v in total.items()}


def _record_prices(world: World, tick: int) -> dict[str, tuple[float, float | None]]:
    """Write this tick's world-average price per good; return {code: (now, previous)}."""
    rows = (
        MarketStock.objects.filter(market__world=world, item__code__in=MARKET_GOODS)
        .values("item_id", "item__code")
        .annotate(avg=Avg("price"), qty=Sum("quantity"))
    )
    points = [
        PricePoint(world=world, item_id=r["item_id"], tick=tick, price=r["avg"], quantity=r["qty"] or 0)
        for r in rows
    ]
    PricePoint.objects.bulk_create(points, ignore_conflicts=True)
    previous = dict(PricePoint.objects.filter(world=world, tick=tick - 1).values_list("item__code", "price"))
    return {r["item__code"]: (r["avg"], previous.get(r["item__code"])) for r in rows}


def _summary_line(world: World, tick: int, stats: dict, prices: dict) -> str:
    day = ((tick - 1) * world.hours_per_tick) // 24 + 1
    hour = ((tick - 1) * world.hours_per_tick) % 24
    acts = stats.get("activities", {})
    parts = [
        f"Day {day}, {hour:02d}:00 — {stats.get('npcs', 0):,} people:",
        ", ".join(f"{acts[a]:,} {a}" for a in ("work", "eat", "sleep", "socialise", "idle") if acts.get(a))
        + ".",
    ]
    if stats.get("meals_bought") or stats.get("went_hungry"):
        parts.append(
            f"{stats.get('meals_bought', 0):,} meals bought, {stats.get('went_hungry', 0):,} went hungry."
        )
    produced = stats.get("produced", {})
    if produced:
        parts.append(
            "Made "
            + ", ".join(f"{q:,} {c}" for c, q in sorted(produced.items(), key=lambda kv: -kv[1])[:4])
            + "."
        )
    if "bread" in prices:
        now, before = prices["bread"]
        arrow = (
            ""
            if before is None or round(now, 1) == round(before, 1)
            else (" ▲" if round(now, 1) > round(before, 1) else " ▼")
        )
        parts.append(f"Bread {now:.1f} cp{arrow}.")
    return " ".join(parts)


@transaction.atomic
def tick_finish(*, world_id: int, tick: int) -> dict:
    """Close a tick after its shards: totals, prices, a chronicle line, the clock moves on. Idempotent."""
    run = TickRun.objects.select_for_update().select_related("world").get(world_id=world_id, tick=tick)
    if run.status == TickRun.Status.DONE:
        return {"tick": tick, "already_done": True}
    world = run.world
    shard_rows = list(
        ShardRun.objects.filter(world_id=world_id, tick=tick).values_list("npc_updates", "stats")
    )
    stats = _sum_stats([row[1] for row in shard_rows])
    prices = _record_prices(world, tick)
    text = _summary_line(world, tick, stats, prices)
    entry = chronicle_record(world=world, tick=tick, kind=ChronicleEntry.Kind.TICK, text=text, data=stats)
    World.objects.filter(pk=world_id, current_tick__lt=tick).update(current_tick=tick)
    events_tick(world=world, tick=tick)
    rumours_spread_dispatch(world_id=world_id, tick=tick)  # word spreads one step after each tick
    run.status = TickRun.Status.DONE
    run.shards_done = len(shard_rows)
    run.npc_updates = sum(row[0] for row in shard_rows)
    run.summary = {"chronicle_id": entry.pk, **stats, "prices": {k: v[0] for k, v in prices.items()}}
    run.finished_at = timezone.now()
    run.duration_ms = round((run.finished_at - run.started_at).total_seconds() * 1000)
    run.save(update_fields=["status", "shards_done", "npc_updates", "summary", "finished_at", "duration_ms"])
    return {"tick": tick, "npc_updates": run.npc_updates, "ms": run.duration_ms}


def tick_fail(*, world_id: int, tick: int, error: str) -> None:
    """Mark a tick failed (a shard raised): the next tick may start, and retries this one's shards."""
    TickRun.objects.filter(world_id=world_id, tick=tick, status=TickRun.Status.RUNNING).update(
        status=TickRun.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# --- running ticks -------------------------------------------------------------------------


def tick_run_inline(*, world: World, trigger: str = TickRun.Trigger.INLINE) -> TickRun | None:
    """The whole tick in this process (tests, `simulate --inline`): same services as the workers."""
    start = tick_begin(world=world, trigger=trigger)
    if start is None:
        return None
    for region_id in start.region_ids:
        region_tick_apply(world_id=world.pk, tick=start.run.tick, region_id=region_id)
    tick_finish(world_id=world.pk, tick=start.run.tick)
    start.run.refresh_from_db()
    return start.run


def tick_fan_out(*, start: TickStart) -> str:
    """Send the chord of region shards for an opened tick; returns the chord's id."""
    from celery import chord

    from world.tasks import region_tick_task, tick_fail_task, tick_finish_task

    world_id, tick = start.run.world_id, start.run.tick
    body = tick_finish_task.si(world_id, tick).on_error(tick_fail_task.s(world_id=world_id, tick=tick))
    if not start.region_ids:
        return body.apply_async().id
    header = [region_tick_task.si(world_id, tick, region_id) for region_id in start.region_ids]
    return chord(header)(body).id


def world_tick_dispatch(*, world: World, trigger: str = TickRun.Trigger.CONSOLE) -> str:
    """Queue one tick on the workers once the current transaction commits; returns the task id."""
    from world.tasks import world_tick_task

    return dispatch_on_commit(world_tick_task, world.pk, trigger=trigger)
