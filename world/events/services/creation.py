"""Creating events: checked input (EventError names the field at fault), defaults, players' and quests' events."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db.models import Q
from django.utils import timezone

from world.events import sim as event_sim
from world.events.services.application import event_start_dispatch
from world.models import (
    ChronicleEntry,
    Faction,
    Region,
    Settlement,
    World,
    WorldEvent,
)

logger = logging.getLogger(__name__)

Kind = WorldEvent.Kind

DEFAULT_DURATION: dict[str, int] = {
    Kind.WAR: 240,
    Kind.FLOOD: 72,
    Kind.PLAGUE: 168,
    Kind.FAMINE: 168,
    Kind.FIRE: 24,
    Kind.FESTIVAL: 24,
    Kind.QUEST: 24,
    Kind.CUSTOM: 48,
}
MAX_DURATION = 24 * 365
PLAYER_MAX_SEVERITY = 2
PLAYER_KINDS = (Kind.FESTIVAL, Kind.FIRE, Kind.CUSTOM)


class EventError(Exception):
    """Bad input for an event; `field` names the form field at fault, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _clean_effects(kind: str, effects: Mapping | None) -> dict:
    if kind != Kind.CUSTOM:
        return {}
    cleaned = {}
    bounds = {**event_sim.CUSTOM_KEYS, **event_sim.CUSTOM_SHOCK_KEYS}
    for key, value in (effects or {}).items():
        if value in (None, ""):
            continue
        if key not in bounds:
            raise EventError(f"Unknown effect {key!r}; use {', '.join(sorted(bounds))}.", field="effects")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise EventError(f"Effect {key!r} must be a number, got {value!r}.", field=key) from None
        low, high = bounds[key]
        if not low <= number <= high:
            raise EventError(f"Effect {key!r} must lie between {low:g} and {high:g}.", field=key)
        cleaned[key] = number
    if not cleaned:
        raise EventError("A custom event needs at least one effect.", field="effects")
    return cleaned


def _default_title(kind: str, place: str, aggressor: Faction | None, defender: Faction | None) -> str:
    if kind == Kind.WAR:
        return f"War: {aggressor} against {defender}"
    return {
        Kind.FLOOD: f"Flood at {place}",
        Kind.PLAGUE: f"Plague in {place}",
        Kind.FAMINE: f"Famine in {place}",
        Kind.FIRE: f"Fire in {place}",
        Kind.FESTIVAL: f"Festival at {place}",
        Kind.QUEST: f"Deed done at {place}",
    }.get(kind, f"Event at {place}")


def event_build(
    *,
    world: World,
    kind: str,
    title: str = "",
    description: str = "",
    settlement: Settlement | None = None,
    region: Region | None = None,
    aggressor: Faction | None = None,
    defender: Faction | None = None,
    severity: int = 5,
    duration_ticks: int | None = None,
    effects: Mapping | None = None,
    origin: str = WorldEvent.Origin.CONSOLE,
    created_by: str = "",
    starts_at=None,
    quest=None,
    cause: ChronicleEntry | None = None,
) -> WorldEvent:
    """Check an event and return it unsaved (status pending). Raises EventError with the field at fault.

    `cause` is the chronicle entry that set it off (a quest's completion, say): the event's own
    entry will name it, so the "why" view walks from the event back to the deed.
    """
    if kind not in Kind.values:
        raise EventError(f"Unknown kind {kind!r}; use one of {', '.join(Kind.values)}.", field="kind")
    try:
        severity = int(severity)
    except (TypeError, ValueError):
        raise EventError(
            f"Severity must be a whole number from 1 to 10, got {severity!r}.", "severity"
        ) from None
    if not 1 <= severity <= 10:
        raise EventError("Severity must be from 1 to 10.", field="severity")
    if duration_ticks in (None, ""):
        duration_ticks = DEFAULT_DURATION[kind]
    try:
        duration_ticks = int(duration_ticks)
    except (TypeError, ValueError):
        raise EventError(
            f"Duration must be a number of ticks, got {duration_ticks!r}.", "duration_ticks"
        ) from None
    if not 1 <= duration_ticks <= MAX_DURATION:
        raise EventError(f"Duration must be from 1 to {MAX_DURATION} ticks.", field="duration_ticks")
    for name, thing in (
        ("settlement", settlement),
        ("region", region),
        ("aggressor", aggressor),
        ("defender", defender),
    ):
        if thing is not None and thing.world_id != world.pk:
            raise EventError(f"{thing} is not in {world}.", field=name)
    if kind == Kind.WAR:
        if aggressor is None or defender is None:
            raise EventError(
                "A war needs an aggressor and a defender.",
                field="aggressor" if aggressor is None else "defender",
            )
        if aggressor.pk == defender.pk:
            raise EventError("A faction cannot make war on itself.", field="defender")
        if aggressor.is_neutral or defender.is_neutral:
            raise EventError("The neutral lands cannot wage war; pick two states.", field="aggressor")
        place = ""
    else:
        if settlement is None and region is None:
            raise EventError("Pick an epicentre: a settlement or a region.", field="settlement")
        if settlement is not None and region is not None and settlement.region_id != region.pk:
            raise EventError(f"{settlement} is not in {region}.", field="region")
        region = region or settlement.region
        place = settlement.name if settlement is not None else region.name
        aggressor = defender = None
    if starts_at is not None and timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    event = WorldEvent(
        world=world,
        kind=kind,
        title=(title or "").strip() or _default_title(kind, place, aggressor, defender),
        description=description or "",
        settlement=settlement,
        region=region,
        aggressor=aggressor,
        defender=defender,
        severity=severity,
        duration_ticks=duration_ticks,
        effects=_clean_effects(kind, effects),
        origin=origin,
        created_by=created_by or "",
        starts_at=starts_at,
        quest=quest,
        summary={"cause_entry_id": cause.pk} if cause is not None else {},
    )
    event.full_clean()
    return event


def event_create(**fields) -> WorldEvent:
    """Check and store an event (status pending); the arguments are `event_build`'s."""
    event = event_build(**fields)
    event.save()
    return event


def event_from_player(*, character, kind: str, title: str = "", description: str = "") -> WorldEvent:
    """A small event a player's deed sets off where their character stands (festival, fire, custom)."""
    if kind not in PLAYER_KINDS:
        raise EventError(f"Players may set off {', '.join(PLAYER_KINDS)} only.", field="kind")
    running = WorldEvent.objects.filter(
        world_id=character.world_id,
        origin=WorldEvent.Origin.PLAYER,
        created_by=f"player:{character.owner_id}",
    ).filter(
        Q(status=WorldEvent.Status.PENDING)
        | Q(status=WorldEvent.Status.APPLYING)
        | Q(status=WorldEvent.Status.ACTIVE)
    )
    if running.exists():
        raise EventError("Your last deed is still being felt; wait until it is over.", field="kind")
    return event_create(
        world=character.world,
        kind=kind,
        title=title,
        description=description,
        settlement=character.settlement,
        severity=PLAYER_MAX_SEVERITY,
        duration_ticks=12,
        effects={"safety": 5} if kind == Kind.CUSTOM else None,
        origin=WorldEvent.Origin.PLAYER,
        created_by=f"player:{character.owner_id}",
    )


def event_from_quest(*, quest, settlement: Settlement, cause: ChronicleEntry | None = None) -> WorldEvent:
    """A finished quest lifts its town's spirits: a small quest-completion event, started at once."""
    event = event_create(  # every argument is ours and valid: a failure here is a bug, and is raised
        cause=cause,
        world=settlement.world,
        kind=Kind.QUEST,
        title=f"{quest.title} — done",
        settlement=settlement,
        severity=3,
        origin=WorldEvent.Origin.QUEST,
        quest=quest,
    )
    event_start_dispatch(event=event)
    return event
