"""`python manage.py create_player USERNAME --world SLUG --settlement NAME [--character NAME]`."""

from django.core.management.base import BaseCommand, CommandError

from gmconsole.services import PlayerSetupError, player_create
from world.models import Settlement, World

WORLD_NOT_FOUND = "No world with slug {slug!r}."
SETTLEMENT_NOT_FOUND = "No settlement named {name!r} in {world}."
SETTLEMENT_AMBIGUOUS = "{count} settlements of {world} are named {name!r}; give one of their ids: {ids}."


class Command(BaseCommand):
    help = "Create a player (user if missing), their character in a settlement, and print a new API token."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--world", required=True, help="World slug")
        parser.add_argument("--settlement", required=True, help="Settlement name (or id)")
        parser.add_argument("--character", default="", help="Character name (default: the username)")

    def handle(self, *args, username: str, world: str, settlement: str, character: str, **options):
        world_row = World.objects.filter(slug=world).first()
        if world_row is None:
            raise CommandError(WORLD_NOT_FOUND.format(slug=world))
        place = self._settlement(world_row, settlement)
        try:
            pc, raw_key = player_create(
                username=username, world=world_row, settlement=place, character_name=character
            )
        except PlayerSetupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{pc.name} ({username}) is in {place.name}, {world_row.name}."))
        self.stdout.write("API token (shown once; send it as 'Authorization: Bearer <token>'):")
        self.stdout.write(raw_key)

    @staticmethod
    def _settlement(world: World, name: str) -> Settlement:
        matches = list(Settlement.objects.filter(world=world, name__iexact=name.strip()).order_by("pk"))
        if not matches and name.strip().isdigit():
            matches = list(Settlement.objects.filter(world=world, pk=int(name)))
        if not matches:
            raise CommandError(SETTLEMENT_NOT_FOUND.format(name=name, world=world.name))
        if len(matches) > 1:
            ids = ", ".join(str(s.pk) for s in matches)
            raise CommandError(
                SETTLEMENT_AMBIGUOUS.format(count=len(matches), world=world.name, name=name, ids=ids)
            )
        return matches[0]
