"""Every route of the player API needs a live bearer token."""

import logging
import uuid

import pytest
from django.contrib.auth import get_user_model

from gmconsole.api import api
from gmconsole.models import ApiToken, token_hash
from gmconsole.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"


def routes(settlement_id: int) -> list[tuple[str, str]]:
    return [
        ("get", f"{PREFIX}/world"),
        ("get", f"{PREFIX}/settlements"),
        ("get", f"{PREFIX}/settlements/{settlement_id}"),
        ("get", f"{PREFIX}/settlements/{settlement_id}/market"),
        ("get", f"{PREFIX}/settlements/{settlement_id}/npcs"),
        ("get", f"{PREFIX}/me"),
        ("post", f"{PREFIX}/me/look-around"),
        ("get", f"{PREFIX}/tasks/{uuid.uuid4()}"),
        ("get", f"{PREFIX}/quests"),
        ("get", f"{PREFIX}/quests/1"),
        ("post", f"{PREFIX}/quests/1/accept"),
        ("post", f"{PREFIX}/quests/1/actions"),
        ("post", f"{PREFIX}/me/travel"),
        ("post", f"{PREFIX}/me/deeds"),
        ("get", f"{PREFIX}/events"),
        ("get", f"{PREFIX}/npcs/1/rumours"),
    ]


def test_the_route_list_covers_every_operation_of_the_api():
    schema = api.get_openapi_schema(path_prefix=PREFIX)
    documented = {(method, path) for path, ops in schema["paths"].items() for method in ops}

    assert documented == {
        ("get", f"{PREFIX}/world"),
        ("get", f"{PREFIX}/settlements"),
        ("get", f"{PREFIX}/settlements/{{settlement_id}}"),
        ("get", f"{PREFIX}/settlements/{{settlement_id}}/market"),
        ("get", f"{PREFIX}/settlements/{{settlement_id}}/npcs"),
        ("get", f"{PREFIX}/me"),
        ("post", f"{PREFIX}/me/look-around"),
        ("get", f"{PREFIX}/tasks/{{task_id}}"),
        ("get", f"{PREFIX}/quests"),
        ("get", f"{PREFIX}/quests/{{quest_id}}"),
        ("post", f"{PREFIX}/quests/{{quest_id}}/accept"),
        ("post", f"{PREFIX}/quests/{{quest_id}}/actions"),
        ("post", f"{PREFIX}/me/travel"),
        ("post", f"{PREFIX}/me/deeds"),
        ("get", f"{PREFIX}/events"),
        ("get", f"{PREFIX}/npcs/{{npc_id}}/rumours"),
    }
    assert all(
        op.get("security") == [{"PlayerTokenAuth": []}]
        for ops in schema["paths"].values()
        for op in ops.values()
    )


@pytest.mark.parametrize("index", range(len(routes(0))))
def test_no_token_is_401(client, player, index):
    method, url = routes(player.town.pk)[index]

    response = getattr(client, method)(url)

    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


@pytest.mark.parametrize("index", range(len(routes(0))))
@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Token {key}", "Bearer", "Basic YW5hOnB3"])
def test_bad_token_is_401(client, player, index, header):
    method, url = routes(player.town.pk)[index]

    response = getattr(client, method)(url, HTTP_AUTHORIZATION=header.format(key=player.key))

    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Token {key}", "Bearer", "Basic {key}", "bearer{key}", "Token  {key} x"])
def test_a_refused_header_is_never_written_to_the_logs(client, player, settings, caplog, header):
    settings.DEBUG = True  # Django Ninja's HttpBearer logs the whole header only in DEBUG
    value = header.format(key=player.key)

    with caplog.at_level(logging.DEBUG):
        response = client.get(f"{PREFIX}/me", HTTP_AUTHORIZATION=value)

    assert response.status_code == 401
    assert caplog.records, "the 401 is logged (by django.request), just without the header"
    logged = [r.getMessage() for r in caplog.records] + [caplog.text]
    assert not [m for m in logged if player.key in m or player.key[:8] in m]
    assert not [m for m in logged if "Unexpected auth" in m or value in m]


@pytest.mark.parametrize("index", range(len(routes(0))))
def test_revoked_token_is_401(client, player, index):
    api_token_revoke(token=ApiToken.objects.get(user=player.user))
    method, url = routes(player.town.pk)[index]

    response = getattr(client, method)(url, **player.headers)

    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_401(client, player):
    get_user_model().objects.filter(pk=player.user.pk).update(is_active=False)

    assert client.get(f"{PREFIX}/me", **player.headers).status_code == 401


def test_a_live_token_is_accepted_and_its_use_recorded(client, player):
    token = ApiToken.objects.get(user=player.user)
    assert token.last_used_at is None

    response = client.get(f"{PREFIX}/me", **player.headers)

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(client, player):
    client.get(f"{PREFIX}/me", **player.headers)
    token = ApiToken.objects.get(user=player.user)
    first_use = token.last_used_at

    client.get(f"{PREFIX}/me", **player.headers)

    token.refresh_from_db()
    assert token.last_used_at == first_use


def test_token_create_stores_only_the_hash_and_returns_the_key_once(player):
    token, raw = api_token_create(user=player.user, name="laptop")

    assert (token.name, token.key_hash, token.prefix, token.revoked) == (
        "laptop",
        token_hash(raw),
        raw[:8],
        False,
    )
    assert raw not in {t.key_hash for t in ApiToken.objects.all()}
    assert ApiToken.objects.filter(user=player.user).count() == 2


def test_revoking_one_token_keeps_the_others(client, player):
    other, other_key = api_token_create(user=player.user, name="phone")

    api_token_revoke(token=other)

    assert client.get(f"{PREFIX}/me", HTTP_AUTHORIZATION=f"Bearer {other_key}").status_code == 401
    assert client.get(f"{PREFIX}/me", **player.headers).status_code == 200
    assert ApiToken.objects.get(pk=other.pk).revoked is True


def test_settlements_refuse_offset_and_limit_and_say_what_to_use(client, player):
    answer = client.get(f"{PREFIX}/settlements?offset=10&limit=5", HTTP_AUTHORIZATION=f"Bearer {player.key}")
    assert answer.status_code == 400 and "page_size" in answer.content.decode()
