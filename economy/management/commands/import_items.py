"""`python manage.py import_items`: the SRD item catalogue with real prices, then markets."""

from django.core.management.base import BaseCommand, CommandError

from economy.catalogue import DEFAULT_EQUIPMENT_PATH, DEFAULT_TABLE_PATH, CatalogueError
from economy.services.catalogue import items_import
from economy.services.markets import markets_open_where_missing


class Command(BaseCommand):
    help = "Load the SRD equipment and trade-goods price lists into Item, then open markets in new worlds."

    def add_arguments(self, parser):
        parser.add_argument("--equipment", default=str(DEFAULT_EQUIPMENT_PATH), help="5e-SRD-Equipment.json")
        parser.add_argument("--table", default=str(DEFAULT_TABLE_PATH), help="trade-goods-and-services.csv")

    def handle(self, *args, equipment: str, table: str, **options):
        try:
            counts = items_import(equipment_path=equipment, table_path=table)
        except CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        sources = ", ".join(f"{source} {n}" for source, n in sorted(counts.by_source.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Items: {counts.total} ({sources}): {counts.created} created, "
                f"{counts.updated} updated, {counts.unchanged} unchanged."
            )
        )
        if counts.skipped_free:
            self.stdout.write(
                f"Skipped {len(counts.skipped_free)} without a price in the SRD: {', '.join(counts.skipped_free)}."
            )
        for slug, opened in markets_open_where_missing().items():
            self.stdout.write(f"World {slug}: {opened} markets opened.")
