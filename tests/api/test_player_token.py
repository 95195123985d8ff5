from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_a_lost_token_is_replaced_and_the_old_one_revoked(client, player):
    out = StringIO()

    call_command("player_token", player.user.username, "--revoke-others", stdout=out)

    new_key = out.getvalue().strip().splitlines()[-1]
    assert "Revoked 1 other token(s)." in out.getvalue()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {new_key}").status_code == 200
    assert client.get("/api/v1/me", **player.headers).status_code == 401


def test_unknown_player():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("player_token", "nobody")
