"""Benchmark: world events on the demo world at full scale, through a real worker.

    python -m bench.events [--people-per-npc 103] [--concurrency 2]

Prints, for Mones at ~10,000 NPCs:
- how long a war (every region of two states) and a flood take from "start" to "applied
  everywhere", with the regions and people they reached;
- how long the GM's preview of the same war takes (pure simulation on copies, in-process);
- what events in force cost a tick (mean tick with and without them).
"""

from __future__ import annotations

import argparse
import os
import time

from bench.tick import demo_world, embedded_broker, setup_env, start_worker, worker_ready


def _wait_applied(event_model, event_id: int, timeout: float = 300.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = event_model.objects.get(pk=event_id)
        if event.status not in ("pending", "applying"):
            return event
        time.sleep(0.02)
    raise TimeoutError(f"event {event_id} still applying after {timeout} s")


def _ticks(world, count: int) -> float:
    from world.models import TickRun
    from world.services import ticks

    durations = []
    for _ in range(count):
        started = time.perf_counter()
        start = ticks.tick_begin(world=world, trigger=TickRun.Trigger.SIMULATE)
        ticks.tick_fan_out(start=start)
        while TickRun.objects.get(pk=start.run.pk).status == TickRun.Status.RUNNING:
            time.sleep(0.02)
        durations.append(time.perf_counter() - started)
    return sum(durations) / len(durations)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--people-per-npc", type=int, default=103, help="103 gives about 10,000 NPCs on Mones"
    )
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--ticks", type=int, default=3, help="ticks timed with and without events")
    args = parser.parse_args()
    setup_env(args)

    embedded = embedded_broker()

    import django

    django.setup()
    from django.db.models import Count

    from gmconsole.celery import app
    from npcs.models import Npc
    from world.events import services as events
    from world.events.services.previewing import event_preview
    from world.models import EventImpact, Faction, Settlement, WorldEvent

    world = demo_world(args.people_per_npc)
    people = Npc.objects.filter(world=world, is_alive=True).count()
    print(
        f"world: {world.name}, {people:,} NPCs, {world.regions.count()} regions; database {django.db.connection.vendor}"
    )

    biggest = list(
        Faction.objects.filter(world=world, is_neutral=False)
        .annotate(n=Count("settlements__npcs"))
        .order_by("-n")[:2]
    )
    flood_town = (
        Npc.objects.filter(world=world, profession="farmer")
        .values("settlement")
        .annotate(n=Count("id"))
        .order_by("-n")
    )[0]["settlement"]

    spec = {"kind": "war", "aggressor_id": biggest[0].pk, "defender_id": biggest[1].pk, "severity": 8}
    started = time.perf_counter()
    preview = event_preview(world_id=world.pk, spec=spec, hours=6)
    preview_s = time.perf_counter() - started
    print(
        f"preview of a war of {biggest[0].name} on {biggest[1].name}: {preview_s:.2f} s for "
        f"{len(preview['regions'])} regions × 6 hours × 2 runs (in-process, nothing written)"
    )

    worker = start_worker(dict(os.environ), args.concurrency)
    try:
        worker_ready(app, worker)
        base_tick = _ticks(world, args.ticks)

        for label, fields in (
            ("war", {"kind": "war", "aggressor": biggest[0], "defender": biggest[1], "severity": 8}),
            ("flood", {"kind": "flood", "settlement": Settlement.objects.get(pk=flood_town), "severity": 10}),
        ):
            event = events.event_create(world=world, duration_ticks=1000, **fields)
            started = time.perf_counter()
            events.event_start_dispatch(event=event)
            event = _wait_applied(WorldEvent, event.pk)
            elapsed = time.perf_counter() - started
            regions = EventImpact.objects.filter(event=event)
            reached = Npc.objects.filter(region_id__in=regions.values("region_id")).count()
            print(
                f"{label}: {event.status} in {elapsed:.2f} s — {regions.count()} regions, {reached:,} people there, "
                f"{event.summary.get('deaths', 0)} dead, {event.summary.get('refugees', 0)} fled, "
                f"{event.summary.get('goods_lost', 0)} goods lost"
            )
        event_tick = _ticks(world, args.ticks)
        print(
            f"mean tick: {base_tick * 1000:.0f} ms without events, {event_tick * 1000:.0f} ms with a war and a flood in force"
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except Exception:  # noqa: BLE001
            worker.kill()
        if embedded:
            embedded.stop()


if __name__ == "__main__":
    main()
