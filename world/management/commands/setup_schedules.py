from django.core.management.base import BaseCommand

from world.models import World
from world.services.schedules import schedule_ensure


class Command(BaseCommand):
    help = "Create each world's tick schedule in django-celery-beat (existing schedules are left alone)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=None, help="Seconds between ticks for new schedules")

    def handle(self, *args, every=None, **options):
        if every is not None and every < 1:
            from django.core.management.base import CommandError

            raise CommandError("--every must be at least 1 second")
        worlds = list(World.objects.all())
        if not worlds:
            self.stdout.write("No world yet: import one with `manage.py import_world PATH`.")
        for world in worlds:
            task, created = schedule_ensure(world=world, every_seconds=every)
            state = "created" if created else "exists"
            self.stdout.write(
                f"{task.name}: {state}, every {task.interval}, {'enabled' if task.enabled else 'paused'}"
            )
