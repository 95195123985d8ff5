"""Events in force: what the tick shards feel, price spikes traced to their cause, and the end of events.

While an event lasts, each tick shard of an affected region reads its applied impacts
(`impacts_in_force`) and combines their modifiers; after each tick `events_tick` ends the events
whose time is up (the world recovers), re-sends lost starts and closes events stuck applying."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gmconsole.dispatch import dispatch_on_commit
from world.events import sim as event_sim
from world.events.services.application import event_summarise
from world.models import (
    ChronicleEntry,
    EventImpact,
    FactionRelation,
    Region,
    Settlement,
    Stance,
    World,
    WorldEvent,
)
from world.services.chronicle import chronicle_record, chronicle_record_many

logger = logging.getLogger(__name__)

Kind = WorldEvent.Kind

STALE_APPLYING = timedelta(minutes=5)  # an event still applying after this is summarised as it stands
ORPHAN_AFTER = timedelta(minutes=1)  # a pending event not started by then lost its start message
SPIKE_RATIO = 1.25  # a price this far above its level before the event is a spike worth recording


def _restore_war(event: WorldEvent) -> None:
    for key, stance in (event.summary.get("stances_before") or {}).items():
        faction_id, other_id = (int(x) for x in key.split(":"))
        FactionRelation.objects.filter(faction_id=faction_id, other_id=other_id, stance=Stance.ENEMY).update(
            stance=stance
        )


EVENT_OVER = "{title} is over after {hours}."
EVENT_ENDED_EARLY = "{title} was brought to an end early by {who}, after {hours}."
EVENT_ALREADY_OVER = "{title} is already {status}: there is nothing to end."
END_STATUSES = (WorldEvent.Status.APPLYING, WorldEvent.Status.ACTIVE, WorldEvent.Status.PARTIAL)


def _hours(hours: int) -> str:
    return f"{hours} hour{'' if hours == 1 else 's'}"


def _close(event: WorldEvent, *, world: World, tick: int, text: str) -> None:
    """The event stops being felt from now on: ended, the war's stances restored, the chronicle told."""
    event.status = WorldEvent.Status.ENDED
    event.ended_at = timezone.now()
    event.ends_tick = min(event.ends_tick if event.ends_tick is not None else tick, tick)
    event.save(update_fields=["status", "ended_at", "ends_tick"])
    if event.kind == Kind.WAR:
        _restore_war(event)
    chronicle_record(
        world=world,
        tick=tick,
        kind=ChronicleEntry.Kind.EVENT,
        text=text,
        data={"event": event.pk, "ended": True},
        region=event.region,
        settlement=event.settlement,
        causes=[event.chronicle_entry] if event.chronicle_entry_id else [],
    )


@transaction.atomic
def event_end(*, event: WorldEvent, who: str) -> WorldEvent:
    """The GM stops an event now: a pending one is cancelled (its clocked schedule too), one in
    force ends at this tick and the world starts to recover. Raises EventError when it is over."""
    from django_celery_beat.models import PeriodicTask

    from world.events.services.application import event_schedule_name
    from world.events.services.creation import EventError

    event = (
        WorldEvent.objects.select_for_update(of=("self",))
        .select_related("world", "chronicle_entry")
        .get(pk=event.pk)
    )
    if event.status == WorldEvent.Status.PENDING:
        event.status = WorldEvent.Status.CANCELLED
        event.summary = {**event.summary, "cancelled_by": who}
        event.save(update_fields=["status", "summary"])
        PeriodicTask.objects.filter(name=event_schedule_name(event)).delete()
        return event
    if event.status not in END_STATUSES:
        raise EventError(
            EVENT_ALREADY_OVER.format(title=event.title, status=event.get_status_display().lower())
        )
    tick = event.world.current_tick
    started = tick if event.started_tick is None else event.started_tick
    hours = max(0, tick - started) * event.world.hours_per_tick
    _close(
        event,
        world=event.world,
        tick=tick,
        text=EVENT_ENDED_EARLY.format(title=event.title, who=who, hours=_hours(hours)),
    )
    return event


def events_tick(*, world: World, tick: int) -> dict:
    """At the end of each tick: end events whose time is up; summarise events stuck applying."""
    ended = []
    due = WorldEvent.objects.filter(
        world=world,
        status__in=[WorldEvent.Status.ACTIVE, WorldEvent.Status.PARTIAL],
        ends_tick__lte=tick,
    ).select_related("chronicle_entry")
    for event in due:
        with transaction.atomic():
            _close(
                event,
                world=world,
                tick=tick,
                text=EVENT_OVER.format(
                    title=event.title, hours=_hours(event.duration_ticks * world.hours_per_tick)
                ),
            )
        ended.append(event.pk)
    orphans = WorldEvent.objects.filter(
        world=world,
        status=WorldEvent.Status.PENDING,
        created_at__lt=timezone.now() - ORPHAN_AFTER,
    ).filter(Q(starts_at__isnull=True) | Q(starts_at__lt=timezone.now() - ORPHAN_AFTER))
    started = []
    for event in orphans:  # its start message was lost (a broker down when it was sent): send it again
        from world.tasks.events import event_start_task

        dispatch_on_commit(event_start_task, event.pk)
        started.append(event.pk)
    stuck = WorldEvent.objects.filter(
        world=world, status=WorldEvent.Status.APPLYING, started_at__lt=timezone.now() - STALE_APPLYING
    ).values_list("pk", flat=True)
    for event_id in stuck:
        event_summarise(event_id=event_id, final=True)
    return {"ended": ended, "stuck": list(stuck), "restarted": started}


@dataclass(frozen=True)
class InForce:
    impact_id: int
    event_id: int
    kind: str
    intensity: float
    chronicle_entry_id: int | None
    effects: dict


def impacts_in_force(*, region_id: int, tick: int) -> list[InForce]:
    """Applied impacts on a region whose events still last at `tick` (one query)."""
    rows = EventImpact.objects.filter(
        region_id=region_id,
        status=EventImpact.Status.APPLIED,
        event__status__in=[WorldEvent.Status.APPLYING, WorldEvent.Status.ACTIVE, WorldEvent.Status.PARTIAL],
        event__ends_tick__gte=tick,
    ).values_list(
        "id", "event_id", "event__kind", "intensity", "chronicle_entry_id", "effects", "event__effects"
    )
    out = []
    for impact_id, event_id, kind, intensity, entry_id, effects, event_effects in rows:
        effects = dict(effects or {})
        effects["event_effects"] = event_effects or {}
        out.append(InForce(impact_id, event_id, kind, intensity, entry_id, effects))
    return out


def modifiers_by_town(impacts: Iterable[InForce]) -> dict[int, event_sim.Modifiers]:
    """What the events in force do to each town of a region this hour (towns they don't reach: nothing)."""
    per_town: dict[int, list[event_sim.Modifiers]] = {}
    for impact in impacts:
        for town, (_, intensity) in (impact.effects.get("towns") or {}).items():
            modifiers = event_sim.modifiers_for(impact.kind, intensity, impact.effects.get("event_effects"))
            per_town.setdefault(int(town), []).append(modifiers)
    return {town: event_sim.Modifiers.combine(many) for town, many in per_town.items()}


SPIKE_MIN_CP = 2  # and at least this many copper pieces: a 1 → 2 cp wobble is the market's weather


def price_spikes_record(
    *, world: World, tick: int, region: Region | int, impacts: list[InForce], books: dict
) -> int:
    """Chronicle each price the events in force drove up, once per event, good and town.

    A spike is a price at least SPIKE_RATIO and SPIKE_MIN_CP above its level when the event
    struck, of a good the event touches (`goods_touched`), in a town it reaches. When several
    events touch the same good in the same town, one entry names them all as its causes, so
    the GM's "why?" walks back to each of them.
    """
    region_id = region if isinstance(region, int) else region.pk
    found: dict[tuple[int, str], dict] = {}
    for impact in impacts:
        if not impact.chronicle_entry_id:
            continue
        touched = event_sim.goods_touched(impact.kind, impact.effects.get("event_effects"))
        seen = set(impact.effects.get("spikes", []))
        new = set()
        for sid_text, prices in (impact.effects.get("reference_prices") or {}).items():
            book = books.get(int(sid_text))
            if book is None:
                continue
            for code, before in prices.items():
                stock = book.stocks.get(code)
                key = f"{sid_text}:{code}"
                if (
                    stock is None
                    or key in seen
                    or before <= 0
                    or (touched is not None and code not in touched)
                ):
                    continue
                if stock.price < before * SPIKE_RATIO or stock.price - before < SPIKE_MIN_CP:
                    continue
                spike = found.setdefault(
                    (int(sid_text), code), {"before": before, "now": stock.price, "causes": [], "impacts": []}
                )
                spike["before"] = min(spike["before"], before)
                spike["causes"].append(impact.chronicle_entry_id)
                spike["impacts"].append(impact.impact_id)
                new.add(key)
        if new:
            EventImpact.objects.filter(pk=impact.impact_id).update(
                effects={
                    **{k: v for k, v in impact.effects.items() if k != "event_effects"},
                    "spikes": sorted(seen | new),
                }
            )
    if not found:
        return 0
    names = dict(Settlement.objects.filter(region_id=region_id).values_list("id", "name"))
    entries = []
    for (sid, code), spike in sorted(found.items()):
        before, now = spike["before"], spike["now"]
        text = (
            f"{code.replace('-', ' ').capitalize()} at {names.get(sid, sid)} rose from {before} to {now} cp "
            f"(+{(now - before) * 100 // before}%)."
        )
        data = {"spike": True, "settlement": sid, "item": code, "before": before, "now": now}
        entry = ChronicleEntry(
            world=world,
            tick=tick,
            kind=ChronicleEntry.Kind.ECONOMY,
            text=text,
            data={**data, "impact": spike["impacts"][0], "impacts": spike["impacts"]},
            region_id=region_id,
            settlement_id=sid,
        )
        entries.append((entry, spike["causes"]))
    chronicle_record_many(entries)
    return len(entries)
