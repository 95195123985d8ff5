"""Benchmark: NPC-updates per second of our tick (region shards) vs. the naive design.

    python -m bench.tick [--people-per-npc 103] [--ticks 3] [--naive-npcs 2000]

Both designs run on a real Celery worker over a real Redis (embedded when REDIS_URL is unset)
and the configured database (default: a separate SQLite file, var/bench.sqlite3).

- ours:  one task per region per tick, each loading and writing all its NPCs and markets in bulk;
- naive: one task per NPC per system per tick (needs, routine, production, consumption), each
         loading and saving its own rows — the same service code, one row at a time.

One "NPC update" is one NPC taken through one tick (all systems). Figures are printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_env(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gmconsole.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
        (ROOT / "var" / "bench.sqlite3").unlink(missing_ok=True)


def start_worker(env: dict, concurrency: int) -> subprocess.Popen:
    log = open(ROOT / "var" / "bench-worker.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "gmconsole",
            "worker",
            "-Q",
            "sim,llm,default",
            "-c",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"bench-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def embedded_broker():
    """An embedded Redis for the benchmark when REDIS_URL is unset (returned, to stop it after)."""
    if os.environ.get("REDIS_URL"):
        return None
    from gmconsole.embedded_redis import start_embedded_redis

    embedded = start_embedded_redis(ROOT / "var" / "bench-redis")
    os.environ["REDIS_URL"] = embedded.url
    return embedded


def demo_world(people_per_npc: int):
    """The Mones demo world at this scale, imported once (with the SRD items) into the bench database."""
    from django.core.management import call_command

    from economy.models import Item
    from world.models import World

    call_command("migrate", verbosity=0)
    if not Item.objects.exists():
        call_command("import_items", verbosity=0)
    world = World.objects.filter(people_per_npc=people_per_npc).first()
    if world is None:
        started = time.perf_counter()
        call_command(
            "import_world",
            str(ROOT / "data" / "worlds" / "mones.azgaar.json"),
            people_per_npc=people_per_npc,
            verbosity=0,
        )
        world = World.objects.get(people_per_npc=people_per_npc)
        print(f"import: {time.perf_counter() - started:.1f} s")
    return world


def worker_ready(app, worker: subprocess.Popen) -> None:
    """Wait for the worker to answer a ping, then drop any message left from an earlier run."""
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline or worker.poll() is not None:
            raise RuntimeError("worker did not start; see var/bench-worker.log")
    app.control.purge()


def wait_idle(app, queue_names=("sim",), timeout=3600.0) -> None:
    """Wait until the broker queues are empty and the worker has nothing in hand."""
    import redis

    client = redis.Redis.from_url(app.conf.broker_url)
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        queued = sum(client.llen(q) for q in queue_names)
        if queued == 0:
            active = app.control.inspect(timeout=0.5).active() or {}
            reserved = app.control.inspect(timeout=0.5).reserved() or {}
            busy = sum(len(v) for v in active.values()) + sum(len(v) for v in reserved.values())
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return
        time.sleep(0.05)
    raise TimeoutError("worker did not go idle")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--people-per-npc", type=int, default=103, help="103 gives about 10,000 NPCs on Mones"
    )
    parser.add_argument("--ticks", type=int, default=3, help="ticks of our design to time")
    parser.add_argument(
        "--naive-npcs", type=int, default=2000, help="NPCs the naive design processes (0 = all)"
    )
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    setup_env(args)

    embedded = embedded_broker()

    import django

    django.setup()
    from gmconsole.celery import app
    from npcs import tasks as npc_tasks
    from npcs.models import Npc
    from world.models import TickRun
    from world.services import ticks

    world = demo_world(args.people_per_npc)
    npc_count = Npc.objects.filter(world=world, is_alive=True).count()
    db = django.db.connection.vendor
    print(
        f"world: {world.name}, {npc_count:,} NPCs, {world.regions.count()} regions; database {db}; "
        f"worker concurrency {args.concurrency}"
    )

    env = dict(os.environ)
    worker = start_worker(env, args.concurrency)
    try:
        worker_ready(app, worker)

        # --- ours -----------------------------------------------------------------------
        durations, updates = [], 0
        for _ in range(args.ticks):
            started = time.perf_counter()
            start = ticks.tick_begin(world=world, trigger=TickRun.Trigger.SIMULATE)
            ticks.tick_fan_out(start=start)
            while True:
                run = TickRun.objects.get(pk=start.run.pk)
                if run.status in (TickRun.Status.DONE, TickRun.Status.FAILED):
                    break
                time.sleep(0.02)
            if run.status == TickRun.Status.FAILED:
                raise RuntimeError(f"tick failed: {run.error}")
            durations.append(time.perf_counter() - started)
            updates += run.npc_updates
            print(f"  ours  tick {run.tick}: {durations[-1] * 1000:7.0f} ms, {run.npc_updates:,} NPC updates")
        ours_rate = updates / sum(durations)

        # --- naive ----------------------------------------------------------------------
        ids = list(Npc.objects.filter(world=world, is_alive=True).order_by("id").values_list("id", flat=True))
        if args.naive_npcs:
            ids = ids[: args.naive_npcs]
        world.refresh_from_db()
        hour = (world.current_tick * world.hours_per_tick) % 24
        started = time.perf_counter()
        for npc_id in ids:
            npc_tasks.npc_needs_update_task.delay(npc_id)
            npc_tasks.npc_routine_execution_task.delay(npc_id, hour)
            npc_tasks.process_npc_production_task.delay(npc_id)
            npc_tasks.process_npc_consumption_task.delay(npc_id)
        sent = time.perf_counter() - started
        wait_idle(app)
        naive_elapsed = time.perf_counter() - started
        naive_rate = len(ids) / naive_elapsed
        print(
            f"  naive: {len(ids):,} NPCs × 4 systems = {4 * len(ids):,} tasks in {naive_elapsed:.1f} s "
            f"(sending took {sent:.1f} s)"
        )

        print()
        print(
            f"ours : {ours_rate:10,.0f} NPC-updates/s  (mean tick {sum(durations) / len(durations) * 1000:.0f} ms "
            f"for {npc_count:,} NPCs)"
        )
        print(f"naive: {naive_rate:10,.0f} NPC-updates/s")
        print(f"ratio: {ours_rate / naive_rate:10,.1f} ×")
        try:
            import psutil

            rss = psutil.Process(worker.pid)
            total = rss.memory_info().rss + sum(c.memory_info().rss for c in rss.children(recursive=True))
            print(f"worker memory (main + {args.concurrency} processes, RSS): {total / 2**20:.0f} MiB")
        except Exception as exc:  # noqa: BLE001 - a figure we can do without
            print(f"worker memory: n/a ({exc})")
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        if embedded:
            embedded.stop()


if __name__ == "__main__":
    main()
