"""`python manage.py player_token USERNAME [--revoke-others]`: a new API token for an existing player."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gmconsole.services import api_token_create, api_token_revoke

NO_SUCH_PLAYER = "No user named {username!r}; create one with `manage.py create_player`."


class Command(BaseCommand):
    help = "Issue a new API token for a player (e.g. a lost one), optionally revoking their others."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="reissued", help="A label for the token")
        parser.add_argument("--revoke-others", action="store_true", help="Revoke the player's other tokens")

    def handle(self, *args, username: str, name: str, revoke_others: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(NO_SUCH_PLAYER.format(username=username))
        token, raw_key = api_token_create(user=user, name=name)
        revoked = 0
        if revoke_others:
            for other in user.api_tokens.filter(revoked=False).exclude(pk=token.pk):
                api_token_revoke(token=other)
                revoked += 1
        if revoked:
            self.stdout.write(f"Revoked {revoked} other token(s).")
        self.stdout.write("API token (shown once; send it as 'Authorization: Bearer <token>'):")
        self.stdout.write(raw_key)
