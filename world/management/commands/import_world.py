"""`manage.py import_world PATH [--people-per-npc N]`: an Azgaar JSON export becomes a world."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from world.azgaar import AzgaarError
from world.services.importing import WorldImportError, world_import_azgaar


class Command(BaseCommand):
    help = "Import an Azgaar Fantasy Map Generator JSON export (File > Export > JSON full) as a new world."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the .json export")
        parser.add_argument(
            "--people-per-npc",
            type=int,
            default=100,
            dest="people_per_npc",
            help="inhabitants one NPC stands for (default 100)",
        )

    def handle(self, *args, path: Path, people_per_npc: int, **options) -> None:
        try:
            result = world_import_azgaar(path=path, people_per_npc=people_per_npc)
        except (AzgaarError, WorldImportError) as exc:
            raise CommandError(str(exc)) from exc
        if not result.created:
            self.stdout.write(result.message)
            return
        c = result.counts
        self.stdout.write(self.style.SUCCESS(result.message))
        self.stdout.write(
            f"  world {result.world.slug!r} (id {result.world.pk}); routes: {c['routes_road']} road, "
            f"{c['routes_trail']} trail, {c['routes_sea']} sea; {c['relations']} faction relations; "
            f"{c['population']:,} people; {result.seconds:.2f} s"
        )
