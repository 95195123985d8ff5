"""Player API: the player's own characters, and moving them about the world."""

from __future__ import annotations

from kombu.exceptions import OperationalError
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from npcs.models import PlayerCharacter
from npcs.travel import TravelError, character_travel
from world.api import Ref, ValidationErrorOut
from world.models import Settlement

NO_CHARACTER = "You have no character yet: ask your GM to run create_player."
NO_CHARACTER_IN_WORLD = "You have no character in the world {world!r}."
WHICH_WORLD = "You have characters in several worlds: add ?world=<slug> (one of {worlds})."
QUEST_CHECKS_DELAYED = (
    "The task queue is unreachable: your quests will see where you are with your next report."
)

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


class ErrorOut(Schema):
    detail: str


class TravelIn(Schema):
    settlement_id: int


class QuestCheckOut(Schema):
    quest_id: int
    task_id: str
    status_url: str


class TravelOut(Schema):
    character: CharacterOut
    origin: Ref
    destination: Ref
    distance_km: float  # along the routes taken
    way: list[Ref]  # the settlements passed, from origin to destination
    route_ids: list[int]
    quest_checks: list[QuestCheckOut]  # progression checks queued for your active quests
    note: str = ""


@router.post(
    "/me/travel",
    response={200: TravelOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut},
    url_name="travel",
)
def travel(request, body: TravelIn, world: str | None = None):
    """Travel to a settlement of your world that the routes lead to, by the shortest way (any
    distance, at once). 404: no such settlement in your world; 409: you are there already, or no
    route leads there.

    Where your character is counts for quests: a progression check is queued for each quest you
    are on (`quest_checks`, poll their status URLs), so "go to"/"explore" objectives there are done.
    """
    from django.urls import reverse

    from gmconsole.services import player_task_record
    from quests.play import quests_arrival_dispatch

    character = player_character(user=request.auth, world_slug=world)
    try:
        moved = character_travel(character=character, settlement_id=body.settlement_id)
    except TravelError as e:
        return Status(404 if e.code == "not_found" else 409, {"detail": str(e)})
    names = dict(Settlement.objects.filter(pk__in=moved.way.settlements).values_list("pk", "name"))
    checks, note = [], ""
    try:
        for quest_id, task_id in quests_arrival_dispatch(character=moved.character):
            player_task_record(user=request.auth, task_id=task_id, name="quest-arrival")
            url = request.build_absolute_uri(reverse("api:task-status", kwargs={"task_id": task_id}))
            checks.append({"quest_id": quest_id, "task_id": task_id, "status_url": url})
    except OperationalError:
        note = QUEST_CHECKS_DELAYED
    return {
        "character": moved.character,
        "origin": moved.origin,
        "destination": moved.destination,
        "distance_km": round(moved.way.distance_km, 1),
        "way": [{"id": pk, "name": names[pk]} for pk in moved.way.settlements],
        "route_ids": list(moved.way.routes),
        "quest_checks": checks,
        "note": note,
    }
