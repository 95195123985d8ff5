"""`manage.py demo_events`: give a new demo world something to talk about.

Schedules a festival at the most populous capital of each world that has never had an event,
starting a minute from now through a one-off clocked schedule (so beat starts it, as it would
start any event a designer clocks in the admin). A world that has had events is left alone.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from world.events.services import event_create, event_start_dispatch
from world.models import Settlement, World, WorldEvent


class Command(BaseCommand):
    help = (
        "Clock a festival at the biggest capital of each world that has no events yet (starts in a minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--in-seconds", type=int, default=60, help="Delay before the festival starts")

    def handle(self, *args, in_seconds: int = 60, **options):
        for world in World.objects.all():
            if WorldEvent.objects.filter(world=world).exists():
                self.stdout.write(f"{world}: has events already; nothing added.")
                continue
            town = (
                Settlement.objects.filter(world=world, is_capital=True).order_by("-population").first()
                or Settlement.objects.filter(world=world).order_by("-population").first()
            )
            if town is None:
                continue
            event = event_create(
                world=world,
                kind=WorldEvent.Kind.FESTIVAL,
                title=f"Harvest festival at {town.name}",
                description="The first fair of the season: ale, music and a crowd from the villages around.",
                settlement=town,
                severity=6,
                duration_ticks=24,
                created_by="demo",
                starts_at=timezone.now() + timedelta(seconds=max(0, in_seconds)),
            )
            event_start_dispatch(event=event)
            self.stdout.write(
                f"{world}: “{event.title}” starts at {event.starts_at:%H:%M:%S} (clocked schedule)."
            )
