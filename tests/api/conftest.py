"""A player with a character and a token, in a small world."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gmconsole.services import api_token_create
from npcs.models import PlayerCharacter
from tests.factories import make_faction, make_region, make_settlement, make_user, make_world
from world.models import Settlement, World


@dataclass
class Player:
    user: object
    character: PlayerCharacter
    key: str
    world: World
    town: Settlement

    @property
    def headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Players get a password hash in make_user; PBKDF2 would make each test half a second slower."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def player(db) -> Player:
    world = make_world(name="Mones", slug="mones")
    region = make_region(world=world, faction=make_faction(world=world, name="Kingdom"), name="Northmarch")
    town = make_settlement(region=region, name="Brightwater")
    user = make_user(username="ana")
    character = PlayerCharacter.objects.create(world=world, owner=user, settlement=town, name="Ana the Bold")
    _, key = api_token_create(user=user)
    return Player(user=user, character=character, key=key, world=world, town=town)
