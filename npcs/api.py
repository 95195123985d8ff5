"""Player API: the player's own characters."""

from __future__ import annotations

from ninja import Router, Schema
from ninja.errors import HttpError

from npcs.models import PlayerCharacter
from world.api import Ref

NO_CHARACTER = "You have no character yet: ask your GM to run create_player."
NO_CHARACTER_IN_WORLD = "You have no character in the world {world!r}."
WHICH_WORLD = "You have characters in several worlds: add ?world=<slug> (one of {worlds})."

router = Router(tags=["me"])


class WorldRef(Schema):
    id: int
    slug: str
    name: str


class CharacterOut(Schema):
    id: int
    name: str
    purse: int  # copper pieces
    world: WorldRef
    settlement: Ref
    region: Ref

    @staticmethod
    def resolve_region(character: PlayerCharacter):
        return character.settlement.region


class MeOut(Schema):
    username: str
    characters: list[CharacterOut]


def _characters_of(user):
    return (
        PlayerCharacter.objects.filter(owner=user)
        .select_related("world", "settlement__region")
        .order_by("world__name", "pk")
    )


def player_character(*, user, world_slug: str | None = None) -> PlayerCharacter:
    """The character `user` plays in `world_slug`, or their only one. Raises HttpError 404/400."""
    characters = list(_characters_of(user))
    if world_slug:
        characters = [c for c in characters if c.world.slug == world_slug]
        if not characters:
            raise HttpError(404, NO_CHARACTER_IN_WORLD.format(world=world_slug))
    if not characters:
        raise HttpError(404, NO_CHARACTER)
    if len(characters) > 1:
        raise HttpError(400, WHICH_WORLD.format(worlds=", ".join(c.world.slug for c in characters)))
    return characters[0]


@router.get("/me", response=MeOut, url_name="me")
def me(request):
    """Who you are and where your characters stand."""
    return {"username": request.auth.get_username(), "characters": list(_characters_of(request.auth))}
