"""`manage.py create_player`: a user, a character in a settlement, and a working token."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from gmconsole.management.commands.create_player import (
    SETTLEMENT_AMBIGUOUS,
    SETTLEMENT_NOT_FOUND,
    WORLD_NOT_FOUND,
)
from gmconsole.models import ApiToken
from gmconsole.services import CHARACTER_EXISTS, PLAYER_ARRIVED
from npcs.models import PlayerCharacter
from tests.factories import make_region, make_settlement, make_user, make_world
from world.models import ChronicleEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    world = make_world(name="Mones", slug="mones", current_tick=5)
    return make_settlement(region=make_region(world=world), name="Brightwater")


def run(*args) -> str:
    out = StringIO()
    call_command("create_player", *args, stdout=out)
    return out.getvalue()


def test_creates_user_character_and_a_token_that_works(client, town):
    output = run("bea", "--world", "mones", "--settlement", "brightwater", "--character", "Bea Stone")

    user = get_user_model().objects.get(username="bea")
    assert user.has_usable_password() is False
    character = PlayerCharacter.objects.get(owner=user)
    assert (character.world, character.settlement, character.name) == (town.world, town, "Bea Stone")
    key = output.strip().splitlines()[-1]
    assert ApiToken.objects.get(user=user).prefix == key[:8]
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert [(c["name"], c["settlement"]["name"]) for c in me["characters"]] == [("Bea Stone", "Brightwater")]
    entry = ChronicleEntry.objects.get(world=town.world, settlement=town)
    assert (entry.tick, entry.text) == (
        5,
        PLAYER_ARRIVED.format(character="Bea Stone", username="bea", settlement="Brightwater"),
    )


def test_an_existing_user_gets_a_character_named_after_them(town):
    user = make_user(username="cid")

    run("cid", "--world", "mones", "--settlement", "Brightwater")

    assert PlayerCharacter.objects.get(owner=user).name == "Cid"
    assert user.check_password("pw-for-tests-123")


def test_a_second_character_in_the_same_world_is_refused_and_nothing_changes(town):
    run("bea", "--world", "mones", "--settlement", "Brightwater")

    with pytest.raises(CommandError) as exc:
        run("bea", "--world", "mones", "--settlement", "Brightwater", "--character", "Other")

    assert str(exc.value) == CHARACTER_EXISTS.format(
        username="bea", world="Mones", character="Bea", settlement="Brightwater"
    )
    assert PlayerCharacter.objects.count() == 1
    assert ApiToken.objects.count() == 1


def test_unknown_world_or_settlement_is_a_clear_error(town):
    with pytest.raises(CommandError) as no_world:
        run("bea", "--world", "nowhere", "--settlement", "Brightwater")
    with pytest.raises(CommandError) as no_town:
        run("bea", "--world", "mones", "--settlement", "Atlantis")

    assert str(no_world.value) == WORLD_NOT_FOUND.format(slug="nowhere")
    assert str(no_town.value) == SETTLEMENT_NOT_FOUND.format(name="Atlantis", world="Mones")
    assert not get_user_model().objects.filter(username="bea").exists()


def test_an_ambiguous_name_asks_for_an_id(town):
    twin = make_settlement(region=town.region, name="Brightwater")

    with pytest.raises(CommandError) as exc:
        run("bea", "--world", "mones", "--settlement", "Brightwater")
    run("bea", "--world", "mones", "--settlement", str(twin.pk))

    assert str(exc.value) == SETTLEMENT_AMBIGUOUS.format(
        count=2, world="Mones", name="Brightwater", ids=f"{town.pk}, {twin.pk}"
    )
    assert PlayerCharacter.objects.get().settlement == twin
