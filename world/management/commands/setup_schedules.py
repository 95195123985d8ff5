from django.core.management.base import BaseCommand, CommandError

from quests.schedules import drafting_schedule_ensure, hook_scan_schedule_ensure
from world.models import World
from world.services.schedules import schedule_ensure


class Command(BaseCommand):
    help = (
        "Create each world's schedules in django-celery-beat (tick, quest-hook scan, quest drafting); "
        "existing ones are left alone. New quest schedules run first soon after beat starts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=None, help="Seconds between ticks for new tick schedules"
        )

    def handle(self, *args, every=None, **options):
        if every is not None and every < 1:
            raise CommandError("--every must be at least 1 second")
        worlds = list(World.objects.all())
        if not worlds:
            self.stdout.write("No world yet: import one with `manage.py import_world PATH`.")
        schedules = [drafting_schedule_ensure()] if worlds else []
        for world in worlds:
            schedules += [
                schedule_ensure(world=world, every_seconds=every),
                hook_scan_schedule_ensure(world=world),
            ]
        for task, created in schedules:
            state = "created" if created else "exists"
            enabled = "enabled" if task.enabled else "paused"
            self.stdout.write(f"{task.name}: {state}, {task.interval}, {enabled}")
