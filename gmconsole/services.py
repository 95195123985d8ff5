"""Writes for shared infrastructure: players' API tokens and player accounts."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gmconsole.models import ApiToken, PlayerTask, token_hash
from npcs.models import PlayerCharacter
from world.models import ChronicleEntry, Settlement, World

# last_used_at is informative: one UPDATE per token per interval is plenty.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

CHARACTER_EXISTS = "{username} already has a character in {world}: {character} in {settlement}."
SETTLEMENT_NOT_IN_WORLD = "{settlement} is not a settlement of {world}."
PLAYER_ARRIVED = "{character} ({username}) arrives in {settlement}."


class PlayerSetupError(ValueError):
    """A player account that cannot be created as asked."""


@transaction.atomic
def api_token_create(*, user, name: str = "default") -> tuple[ApiToken, str]:
    """A new bearer token for `user`. The raw key is returned here, once; only its hash is kept."""
    raw = ApiToken.new_raw_key()
    token = ApiToken(user=user, name=name, key_hash=token_hash(raw), prefix=raw[:8])
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    token.revoked = True
    token.full_clean()
    token.save(update_fields=["revoked"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Records a use of `token`, at most once per TOKEN_TOUCH_INTERVAL (an UPDATE per request is waste)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def player_create(
    *, username: str, world: World, settlement: Settlement, character_name: str = ""
) -> tuple[PlayerCharacter, str]:
    """Creates the user if missing and their character in `settlement`; returns it and a new raw token."""
    if settlement.world_id != world.pk:
        raise PlayerSetupError(SETTLEMENT_NOT_IN_WORLD.format(settlement=settlement, world=world))
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()  # players sign in with their token, not a password
        user.save(update_fields=["password"])
    existing = PlayerCharacter.objects.filter(world=world, owner=user).select_related("settlement").first()
    if existing is not None:
        raise PlayerSetupError(
            CHARACTER_EXISTS.format(
                username=username, world=world, character=existing.name, settlement=existing.settlement
            )
        )
    character = PlayerCharacter(
        world=world, owner=user, settlement=settlement, name=character_name or username.capitalize()
    )
    character.full_clean()
    character.save()
    ChronicleEntry.objects.create(
        world=world,
        tick=world.current_tick,
        kind=ChronicleEntry.Kind.GM,
        region_id=settlement.region_id,
        settlement=settlement,
        text=PLAYER_ARRIVED.format(character=character.name, username=username, settlement=settlement.name),
        data={"character": character.pk, "user": user.pk},
    )
    _, raw = api_token_create(user=user, name=f"{world.slug}:{character.name}"[:100])
    return character, raw


def player_task_record(*, user, task_id: str, name: str) -> PlayerTask:
    """Remember that `user` started `task_id`, so the status route can answer them and no one else."""
    task = PlayerTask(user=user, task_id=task_id, name=name)
    task.full_clean()
    task.save()
    return task
