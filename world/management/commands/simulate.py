"""Run ticks headless: through the workers (default) or in this process (--inline)."""

import time

from django.core.management.base import BaseCommand, CommandError
from kombu.exceptions import OperationalError

from world.models import TickRun, World
from world.reports import world_summary_line
from world.services import ticks

BROKER_DOWN = "Cannot reach the broker at REDIS_URL ({url}): start Redis or use --inline."
NO_WORKER = (
    "No Celery worker answered: start one (`celery -A gmconsole worker -Q sim,llm,default`) or use --inline."
)


class Command(BaseCommand):
    help = "Run N world ticks and print each tick's duration and a world summary."

    def add_arguments(self, parser):
        parser.add_argument("--ticks", type=int, default=1)
        parser.add_argument("--world", help="World slug (default: the first world)")
        parser.add_argument(
            "--inline", action="store_true", help="Run in this process instead of on the workers"
        )
        parser.add_argument("--timeout", type=float, default=300.0, help="Seconds to wait for each tick")

    def handle(self, *args, ticks: int = 1, world=None, inline=False, timeout=300.0, **options):
        if ticks < 1:
            raise CommandError("--ticks must be at least 1")
        qs = World.objects.all()
        target = qs.filter(slug=world).first() if world else qs.order_by("id").first()
        if target is None:
            raise CommandError(
                f"No world {world!r}." if world else "No world: run `manage.py import_world PATH` first."
            )
        if not inline:
            self._check_workers()
        total_started = time.perf_counter()
        for _ in range(ticks):
            started = time.perf_counter()
            run = self._run_inline(target) if inline else self._run_on_workers(target, timeout)
            elapsed = time.perf_counter() - started
            target.refresh_from_db()
            self.stdout.write(
                f"tick {run.tick:>5}  {elapsed * 1000:8.0f} ms  {run.npc_updates:>6} NPC updates  "
                f"{run.shards_done}/{run.shards_total} shards"
            )
        self.stdout.write(f"{ticks} ticks in {time.perf_counter() - total_started:.1f} s")
        self.stdout.write(world_summary_line(world=target))

    def _check_workers(self):
        from django.conf import settings

        from gmconsole.celery import app

        try:
            replies = app.control.ping(timeout=2.0)
        except OperationalError as exc:
            raise CommandError(BROKER_DOWN.format(url=settings.CELERY_BROKER_URL)) from exc
        if not replies:
            raise CommandError(NO_WORKER)

    def _run_inline(self, world: World) -> TickRun:
        run = ticks.tick_run_inline(world=world, trigger=TickRun.Trigger.INLINE)
        if run is None:
            raise CommandError("Another tick is running; try again when it finishes.")
        return run

    def _run_on_workers(self, world: World, timeout: float) -> TickRun:
        start = ticks.tick_begin(world=world, trigger=TickRun.Trigger.SIMULATE)
        if start is None:
            raise CommandError("Another tick is running; try again when it finishes.")
        ticks.tick_fan_out(start=start)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = TickRun.objects.get(pk=start.run.pk)
            if run.status == TickRun.Status.DONE:
                return run
            if run.status == TickRun.Status.FAILED:
                raise CommandError(f"Tick {run.tick} failed: {run.error}")
            time.sleep(0.05)
        raise CommandError(
            f"Tick {start.run.tick} did not finish within {timeout:.0f} s (is a worker running?)"
        )
