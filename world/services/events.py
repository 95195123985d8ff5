"""World events: create, start (one impact per region it reaches), apply region by region, summarise, end.

Shape of an event on the workers:

    world.event_start ──► event_start ──► chord(group(world.event_region × regions), world.event_summary)

Each region task applies its impact once (the impact row is locked and marked applied in the
same transaction as the deaths, refugees and lost goods). A region that fails is marked
failed with its error and the chord still closes, so the summary marks the event partial and
names the region; the GM retries it from the console. While an event is in force, the tick
shards read its impacts (`region_modifiers`) and the region's hours feel it; when its
duration is over, `events_tick` ends it and the world recovers.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from economy.services.books import books_load, books_save
from economy.sim import price_bounds
from gmconsole.bulk_update import bulk_update_values
from gmconsole.dispatch import dispatch_on_commit
from npcs.models import Npc
from world.events import sim as event_sim
from world.models import (
    ChronicleEntry,
    EventImpact,
    Faction,
    FactionRelation,
    Region,
    Route,
    Settlement,
    Stance,
    World,
    WorldEvent,
)
from world.services.chronicle import chronicle_record, chronicle_record_many

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
STALE_APPLYING = timedelta(minutes=5)
ORPHAN_AFTER = timedelta(
    minutes=1
)  # a pending event not started by then lost its start message  # an event still applying after this is summarised as it stands
SPIKE_RATIO = 1.25  # a price this far above its level before the event is a spike worth recording
PLAYER_MAX_SEVERITY = 2
PLAYER_KINDS = (Kind.FESTIVAL, Kind.FIRE, Kind.CUSTOM)


class EventError(Exception):
    """Bad input for an event; `field` names the form field at fault, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- the map as plain values ------------------------------------------------------------------


@dataclass(frozen=True)
class Graph:
    links: dict[int, list[int]]  # settlement id -> linked settlement ids (roads and sea lanes)
    region_of: dict[int, int]  # settlement id -> region id
    faction_of: dict[int, int]  # settlement id -> faction id


def world_graph(*, world_id: int) -> Graph:
    """The route graph of a world (2 queries)."""
    links: dict[int, list[int]] = defaultdict(list)
    for a, b in Route.objects.filter(world_id=world_id).values_list("a_id", "b_id"):
        links[a].append(b)
        links[b].append(a)
    region_of, faction_of = {}, {}
    for sid, rid, fid in Settlement.objects.filter(world_id=world_id).values_list(
        "id", "region_id", "faction_id"
    ):
        region_of[sid] = rid
        faction_of[sid] = fid
    return Graph(dict(links), region_of, faction_of)


def war_allies_of(*, event: WorldEvent) -> tuple[set[int], set[int]]:
    """Faction ids that each side's alliances draw into the war (from the world's diplomacy)."""
    stances = {
        (f, o): stance
        for f, o, stance in FactionRelation.objects.filter(world_id=event.world_id).values_list(
            "faction_id", "other_id", "stance"
        )
    }
    return event_sim.war_allies(event.aggressor_id, event.defender_id, stances)


def epicentre_settlements(*, event: WorldEvent, graph: Graph) -> list[int]:
    if event.settlement_id:
        return [event.settlement_id]
    return sorted(s for s, r in graph.region_of.items() if r == event.region_id)


def event_reach(*, event: WorldEvent, graph: Graph | None = None) -> dict[int, tuple[int, float]]:
    """Region id -> (hops, intensity) for the regions this event touches."""
    graph = graph or world_graph(world_id=event.world_id)
    if event.kind == Kind.WAR:
        sides = tuple(
            {s for s, f in graph.faction_of.items() if f == faction_id}
            for faction_id in (event.aggressor_id, event.defender_id)
        )
        allied = war_allies_of(event=event)
        allies = tuple({s for s, f in graph.faction_of.items() if f in camp} for camp in allied)
        return event_sim.war_reach(
            severity=event.severity, sides=sides, links=graph.links, region_of=graph.region_of, allies=allies
        )
    return event_sim.reach(
        kind=event.kind,
        severity=event.severity,
        epicentre=epicentre_settlements(event=event, graph=graph),
        links=graph.links,
        region_of=graph.region_of,
    )


# --- create -------------------------------------------------------------------------------------


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


# --- start ----------------------------------------------------------------------------------------


def _event_text(event: WorldEvent, regions: int, allies: tuple[list[str], list[str]] = ([], [])) -> str:
    when = f"for {event.duration_ticks} hours"
    if event.kind == Kind.WAR:
        called = [
            f"{', '.join(names)} stand{'s' if len(names) == 1 else ''} with {side}"
            for names, side in zip(allies, (event.aggressor, event.defender), strict=True)
            if names
        ]
        tail = f" {'; '.join(called)}." if called else ""
        return (
            f"{event.aggressor} declared war on {event.defender} (severity {event.severity}, {regions} regions, "
            f"{when}).{tail}"
        )
    return f"{event.title} (severity {event.severity}): {regions} region{'s' if regions != 1 else ''} affected {when}."


def _declare_war(event: WorldEvent) -> dict:
    """Both sides regard each other as enemies while the war lasts; the old stances are kept to restore."""
    pairs = [(event.aggressor_id, event.defender_id), (event.defender_id, event.aggressor_id)]
    before = {}
    for faction_id, other_id in pairs:
        relation, _ = FactionRelation.objects.get_or_create(
            world_id=event.world_id, faction_id=faction_id, other_id=other_id
        )
        before[f"{faction_id}:{other_id}"] = relation.stance
        relation.stance = Stance.ENEMY
        relation.save(update_fields=["stance"])
    return before


@transaction.atomic
def event_start(*, event_id: int) -> list[int]:
    """Open a pending event: its impacts per region, the chronicle entry, war stances. Idempotent.

    Returns the region ids to apply (none when the event had already started).
    """
    event = WorldEvent.objects.select_for_update(of=("self",)).select_related("world").get(pk=event_id)
    if event.status != WorldEvent.Status.PENDING:
        return []
    reach = event_reach(event=event)
    world = event.world
    allies: tuple[list[str], list[str]] = ([], [])
    if event.kind == Kind.WAR:
        names = dict(Faction.objects.filter(world=world).values_list("id", "name"))
        allies = tuple(sorted(names[f] for f in camp) for camp in war_allies_of(event=event))
    cause_id = event.summary.get("cause_entry_id")
    causes = list(ChronicleEntry.objects.filter(pk=cause_id)) if cause_id else []
    entry = chronicle_record(
        world=world,
        tick=world.current_tick,
        kind=ChronicleEntry.Kind.EVENT,
        text=_event_text(event, len(reach), allies),
        data={"event": event.pk, "kind": event.kind, "severity": event.severity, "regions": len(reach)},
        region=event.region,
        settlement=event.settlement,
        causes=causes,
    )
    EventImpact.objects.bulk_create(
        [EventImpact(event=event, region_id=r, hops=h, intensity=i) for r, (h, i) in sorted(reach.items())]
    )
    event.status = WorldEvent.Status.APPLYING if reach else WorldEvent.Status.ACTIVE
    event.started_tick = world.current_tick
    event.ends_tick = world.current_tick + event.duration_ticks
    event.started_at = timezone.now()
    event.chronicle_entry = entry
    event.summary = {**event.summary, "regions": len(reach)}
    if event.kind == Kind.WAR:
        event.summary["stances_before"] = _declare_war(event)
        event.summary["allies"] = {"aggressor": allies[0], "defender": allies[1]}
    event.save(
        update_fields=["status", "started_tick", "ends_tick", "started_at", "chronicle_entry", "summary"]
    )
    return sorted(reach)


def event_fan_out(*, event_id: int, region_ids: list[int]) -> str:
    """Send the chord of region impacts, closed by the summary; returns the chord's id."""
    from celery import chord

    from world.tasks.events import event_region_task, event_summary_task

    body = event_summary_task.si(event_id=event_id).on_error(event_summary_task.s(event_id=event_id))
    if not region_ids:
        return body.apply_async().id
    header = [event_region_task.si(event_id, region_id) for region_id in region_ids]
    return chord(header)(body).id


def event_start_dispatch(*, event: WorldEvent) -> str:
    """Start an event on the workers once this transaction commits, or at its clocked time.

    Returns the start task's id ("" when the start is clocked: beat will send it).
    """
    if event.starts_at is not None and event.starts_at > timezone.now():
        event_clock(event=event)
        return ""
    from world.tasks.events import event_start_task

    return dispatch_on_commit(event_start_task, event.pk)


def event_schedule_name(event: WorldEvent) -> str:
    return f"Event {event.pk}: {event.title}"[:200]


@transaction.atomic
def event_clock(*, event: WorldEvent):
    """A one-off clocked schedule (django-celery-beat) that starts the event at `starts_at`."""
    from django_celery_beat.models import ClockedSchedule, PeriodicTask

    clocked, _ = ClockedSchedule.objects.get_or_create(clocked_time=event.starts_at)
    periodic, _ = PeriodicTask.objects.update_or_create(
        name=event_schedule_name(event),
        defaults={
            "task": "world.event_start",
            "clocked": clocked,
            "interval": None,
            "crontab": None,
            "solar": None,
            "one_off": True,
            "enabled": True,
            "args": json.dumps([event.pk]),
            "queue": "sim",
            "description": f"Starts “{event.title}” at {event.starts_at:%Y-%m-%d %H:%M %Z}.",
        },
    )
    return periodic


# --- one region -----------------------------------------------------------------------------------


def _impact_line(event: WorldEvent, region: Region, effects: dict) -> str:
    parts = []
    if effects.get("deaths"):
        parts.append(f"{effects['deaths']} dead")
    fled = sum(effects.get("refugees", {}).values())
    if fled:
        parts.append(f"{fled} fled")
    lost = effects.get("goods_lost", {})
    if lost:
        parts.append(", ".join(f"{q} {c} lost" for c, q in sorted(lost.items(), key=lambda kv: -kv[1])[:3]))
    tail = f": {'; '.join(parts)}" if parts else ""
    return f"{event.title} reached {region.name} (intensity {effects.get('intensity', 0):.0%}){tail}."


def _apply_shock(
    *, event: WorldEvent, impact: EventImpact, graph: Graph, hit: dict[int, float]
) -> tuple[dict, list[tuple[str, dict]]]:
    """Deaths, refugees, lost goods and jolted prices for one region. Returns effects and side entries."""
    shock = event_sim.shock_for(event.kind, impact.intensity, event.effects)
    seed = event.pk * 100_003 + impact.region_id
    npcs = list(
        Npc.objects.select_for_update()
        .filter(region_id=impact.region_id, is_alive=True)
        .order_by("id")
        .values_list("id", "settlement_id", "purse")
    )
    loaded = books_load(region_id=impact.region_id, lock=True)
    reference = {
        str(sid): {code: stock.price for code, stock in book.stocks.items()}
        for sid, book in loaded.books.items()
    }
    effects: dict = {"intensity": impact.intensity, "hops": impact.hops, "reference_prices": reference}
    side: list[tuple[str, dict]] = []

    dead = set(event_sim.pick([n[0] for n in npcs], shock.death_rate, seed))
    inheritance = Counter()
    for npc_id, settlement_id, purse in npcs:
        if npc_id in dead:
            inheritance[settlement_id] += purse
    for settlement_id, money in inheritance.items():  # the dead's savings go to the town: money is kept
        if settlement_id in loaded.books:
            loaded.books[settlement_id].treasury += money
        else:
            loaded.treasury_only[settlement_id] = loaded.treasury_only.get(settlement_id, 0) + money
    if dead:
        bulk_update_values(Npc, ["is_alive", "purse", "food"], [(i, False, 0, 0) for i in sorted(dead)])
        effects["deaths"] = len(dead)
        side.append(("deaths", {"count": len(dead)}))

    survivors = [n for n in npcs if n[0] not in dead]
    fleeing = set(event_sim.pick([n[0] for n in survivors], shock.refugee_rate, seed + 1))
    moves, refugees = [], Counter()
    refuge_cache: dict[int, int | None] = {}
    for npc_id, settlement_id, _ in survivors:
        if npc_id not in fleeing:
            continue
        if settlement_id not in refuge_cache:
            refuge_cache[settlement_id] = event_sim.refuge_for(
                settlement_id, graph.links, graph.region_of, hit
            )
        refuge = refuge_cache[settlement_id]
        if refuge is not None:
            moves.append((npc_id, refuge, graph.region_of[refuge]))
            refugees[refuge] += 1
    if moves:
        bulk_update_values(Npc, ["settlement", "region"], moves)
        effects["refugees"] = {str(k): v for k, v in refugees.items()}
        side.append(("refugees", {"to": dict(refugees)}))

    lost = Counter()
    for settlement_id, book in loaded.books.items():
        if shock.epicentre_only_losses and settlement_id != event.settlement_id:
            continue
        for code, stock in book.stocks.items():
            gone = event_sim.stock_lost(stock.quantity, code, shock)
            if gone:
                stock.quantity -= gone
                lost[code] += gone
            if shock.price_factor != 1.0:
                stock.price = event_sim.jolted(
                    stock.price, shock.price_factor, *price_bounds(stock.base_price)
                )
    if lost:
        effects["goods_lost"] = dict(lost)
    books_save(loaded)
    if loaded.treasury_only:
        bulk_update_values(Settlement, ["treasury"], list(loaded.treasury_only.items()))
    effects["modifiers"] = event_sim.modifiers_for(event.kind, impact.intensity, event.effects).as_dict()
    return effects, side


def event_region_apply(*, event_id: int, region_id: int, task_id: str = "") -> dict:
    """Apply one region's impact exactly once; a failure marks the impact failed (and is not raised).

    The chord must close whatever happens in one region, so the summary can mark the event
    partial and name the region; the GM then retries it.
    """
    try:
        return _region_apply(event_id=event_id, region_id=region_id, task_id=task_id)
    except Exception as exc:  # noqa: BLE001 - recorded on the impact for the GM, then reported
        logger.exception("Event %s failed in region %s", event_id, region_id)
        EventImpact.objects.filter(event_id=event_id, region_id=region_id).exclude(
            status=EventImpact.Status.APPLIED
        ).update(
            status=EventImpact.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            attempts=F("attempts") + 1,
            task_id=task_id,
        )
        return {
            "event": event_id,
            "region": region_id,
            "failed": True,
            "error": f"{type(exc).__name__}: {exc}",
        }


def _region_apply(*, event_id: int, region_id: int, task_id: str) -> dict:
    with transaction.atomic():
        impact = (
            EventImpact.objects.select_for_update(of=("self",))
            .select_related("event", "region", "event__world", "event__chronicle_entry")
            .filter(event_id=event_id, region_id=region_id)
            .first()
        )
        if impact is None:
            return {"event": event_id, "region": region_id, "skipped": True, "reason": "no such impact"}
        if impact.status == EventImpact.Status.APPLIED:
            return {"event": event_id, "region": region_id, "skipped": True, "reason": "already applied"}
        event = impact.event
        graph = world_graph(world_id=event.world_id)
        hit = dict(EventImpact.objects.filter(event_id=event_id).values_list("region_id", "intensity"))
        effects, side = _apply_shock(event=event, impact=impact, graph=graph, hit=hit)
        tick = event.world.current_tick
        entry = chronicle_record(
            world=event.world,
            tick=tick,
            kind=ChronicleEntry.Kind.EVENT,
            text=_impact_line(event, impact.region, effects),
            data={
                "event": event.pk,
                "impact": impact.pk,
                **{k: v for k, v in effects.items() if k != "reference_prices"},
            },
            region=impact.region,
            causes=[event.chronicle_entry] if event.chronicle_entry else [],
        )
        for what, data in side:
            if what == "deaths":
                text = (
                    f"{data['count']} people of {impact.region.name} died in the {event.get_kind_display()}."
                )
            else:
                targets = Settlement.objects.in_bulk(list(data["to"]))
                text = (
                    f"{sum(data['to'].values())} people fled {impact.region.name} for "
                    + ", ".join(
                        f"{targets[s].name} ({n})"
                        for s, n in sorted(data["to"].items(), key=lambda kv: -kv[1])
                    )
                    + "."
                )
            chronicle_record(
                world=event.world,
                tick=tick,
                kind=ChronicleEntry.Kind.NPC,
                text=text,
                data={"event": event.pk, "impact": impact.pk, what: data},
                region=impact.region,
                causes=[entry],
            )
        impact.effects = effects
        impact.status = EventImpact.Status.APPLIED
        impact.error = ""
        impact.task_id = task_id or impact.task_id
        impact.attempts += 1
        impact.chronicle_entry = entry
        impact.applied_at = timezone.now()
        impact.save(
            update_fields=[
                "effects",
                "status",
                "error",
                "task_id",
                "attempts",
                "chronicle_entry",
                "applied_at",
            ]
        )
    return {
        "event": event_id,
        "region": region_id,
        "deaths": effects.get("deaths", 0),
        "refugees": sum(effects.get("refugees", {}).values()),
        "goods_lost": sum(effects.get("goods_lost", {}).values()),
    }


# --- summary, retry, end ---------------------------------------------------------------------------


@transaction.atomic
def event_summarise(*, event_id: int, final: bool = True) -> dict:
    """Close an application round: active when every region applied, partial (naming the failed) if not.

    With `final` False (a periodic check), an event whose regions are still pending is left alone.
    """
    event = WorldEvent.objects.select_for_update(of=("self",)).select_related("world").get(pk=event_id)
    if event.status not in (WorldEvent.Status.APPLYING, WorldEvent.Status.PARTIAL):
        return {"event": event_id, "status": event.status, "unchanged": True}
    impacts = list(EventImpact.objects.filter(event_id=event_id).select_related("region"))
    pending = [i for i in impacts if i.status == EventImpact.Status.PENDING]
    if pending and not final:
        return {"event": event_id, "status": event.status, "pending": len(pending)}
    if pending:  # the chord closed without them (a worker died): they failed
        EventImpact.objects.filter(pk__in=[i.pk for i in pending]).update(
            status=EventImpact.Status.FAILED, error="The region's task never reported back."
        )
        for impact in pending:
            impact.status = EventImpact.Status.FAILED
    failed = [i for i in impacts if i.status == EventImpact.Status.FAILED]
    applied = [i for i in impacts if i.status == EventImpact.Status.APPLIED]
    totals = Counter()
    for impact in applied:
        totals["deaths"] += impact.effects.get("deaths", 0)
        totals["refugees"] += sum(impact.effects.get("refugees", {}).values())
        totals["goods_lost"] += sum(impact.effects.get("goods_lost", {}).values())
    event.summary = {
        **{k: v for k, v in event.summary.items() if k in ("stances_before", "allies")},
        **{k: v for k, v in event.summary.items() if k == "cause_entry_id"},
        "regions": len(impacts),
        "applied": len(applied),
        "failed": [{"region_id": i.region_id, "region": i.region.name, "error": i.error} for i in failed],
        **totals,
    }
    if failed:
        event.status = WorldEvent.Status.PARTIAL
        event.error = (
            "Failed in " + ", ".join(i.region.name for i in failed) + ". Retry them from the event page."
        )
    else:
        event.status = WorldEvent.Status.ACTIVE
        event.error = ""
        event.applied_at = timezone.now()
    event.save(update_fields=["summary", "status", "error", "applied_at"])
    if event.chronicle_entry_id and not event.rumours.exists():
        _word_gets_out(event, totals)
    if not failed and event.chronicle_entry_id:
        chronicle_record(
            world=event.world,
            tick=event.world.current_tick,
            kind=ChronicleEntry.Kind.EVENT,
            text=(
                f"{event.title}: felt in {len(applied)} region{'s' if len(applied) != 1 else ''}; "
                f"{totals['deaths']} dead, {totals['refugees']} fled, {totals['goods_lost']} goods lost."
            ),
            data={"event": event.pk, "summary": dict(totals)},
            region=event.region,
            settlement=event.settlement,
            causes=[i.chronicle_entry for i in applied if i.chronicle_entry_id] or [event.chronicle_entry],
        )
    return {"event": event_id, "status": event.status, "applied": len(applied), "failed": len(failed)}


RUMOUR_TEMPLATES: dict[str, str] = {
    Kind.WAR: "{aggressor} has declared war on {defender}! {deaths} dead already, {fled} fled.",
    Kind.FLOOD: "The river broke its banks at {place}: {deaths} drowned, {fled} fled, {lost} sacks spoilt.",
    Kind.PLAGUE: "Plague in {place}! {deaths} dead, and {fled} ran for it.",
    Kind.FAMINE: "Famine in {place}: {deaths} starved, {fled} left to beg elsewhere.",
    Kind.FIRE: "Fire in {place}! {deaths} dead and {lost} goods burnt.",
    Kind.FESTIVAL: "There's a festival at {place}: ale for {guests} and music all night.",
    Kind.QUEST: "Someone set things right at {place}: {title}.",
    Kind.CUSTOM: "Strange news from {place}: {title}.",
}


def _word_gets_out(event: WorldEvent, totals: Counter) -> None:
    """Someone at the epicentre starts telling of it: the event's rumour (world/rumours)."""
    from world.rumours.services import rumour_start

    if event.settlement_id:
        towns = [event.settlement_id]
    elif event.kind == Kind.WAR:  # the news starts at the defender's capital, where the blow falls
        towns = list(
            Settlement.objects.filter(faction_id=event.defender_id)
            .order_by("-is_capital", "-population", "id")
            .values_list("id", flat=True)[:5]
        )
    else:
        towns = list(
            Settlement.objects.filter(region_id=event.region_id)
            .order_by("-population", "id")
            .values_list("id", flat=True)[:5]
        )
    teller = Npc.objects.filter(settlement_id__in=towns, is_alive=True).order_by("-profession", "id")
    teller = teller.filter(profession__in=["innkeeper", "merchant"]).first() or teller.first()
    if teller is None:
        return
    place = event.settlement.name if event.settlement_id else (event.region.name if event.region_id else "")
    details = {
        "what": event.get_kind_display(),
        "kind": event.kind,
        "event_id": event.pk,
        "place": place,
        "title": event.title,
        "deaths": totals["deaths"],
        "fled": totals["refugees"],
        "lost": totals["goods_lost"],
        "guests": 100 * event.severity,
        "template": RUMOUR_TEMPLATES.get(event.kind, RUMOUR_TEMPLATES[Kind.CUSTOM]),
    }
    if event.kind == Kind.WAR:
        details.update(aggressor=str(event.aggressor), defender=str(event.defender))
    rumour_start(world=event.world, source_npc=teller, details=details, event=event)


def event_retry(*, event: WorldEvent) -> str | None:
    """Send the failed regions again (after commit); returns the chord's task id, or None if none failed."""
    with transaction.atomic():
        locked = WorldEvent.objects.select_for_update(of=("self",)).get(pk=event.pk)
        region_ids = list(
            EventImpact.objects.filter(event=locked, status=EventImpact.Status.FAILED).values_list(
                "region_id", flat=True
            )
        )
        if not region_ids or locked.status != WorldEvent.Status.PARTIAL:
            return None
        EventImpact.objects.filter(event=locked, region_id__in=region_ids).update(
            status=EventImpact.Status.PENDING, error=""
        )
        locked.status = WorldEvent.Status.APPLYING
        locked.error = ""
        locked.save(update_fields=["status", "error"])
        from world.tasks.events import event_fan_out_task

        return dispatch_on_commit(event_fan_out_task, event.pk, sorted(region_ids))


def _restore_war(event: WorldEvent) -> None:
    for key, stance in (event.summary.get("stances_before") or {}).items():
        faction_id, other_id = (int(x) for x in key.split(":"))
        FactionRelation.objects.filter(faction_id=faction_id, other_id=other_id, stance=Stance.ENEMY).update(
            stance=stance
        )


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
            event.status = WorldEvent.Status.ENDED
            event.ended_at = timezone.now()
            event.save(update_fields=["status", "ended_at"])
            if event.kind == Kind.WAR:
                _restore_war(event)
            chronicle_record(
                world=world,
                tick=tick,
                kind=ChronicleEntry.Kind.EVENT,
                text=f"{event.title} is over after {event.duration_ticks} hours.",
                data={"event": event.pk, "ended": True},
                region=event.region,
                settlement=event.settlement,
                causes=[event.chronicle_entry] if event.chronicle_entry_id else [],
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


# --- in force: what the tick shards read -------------------------------------------------------------


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


def modifiers_in_force(impacts: Iterable[InForce]) -> event_sim.Modifiers:
    return event_sim.Modifiers.combine(
        event_sim.modifiers_for(i.kind, i.intensity, i.effects.get("event_effects")) for i in impacts
    )


def price_spikes_record(
    *, world: World, tick: int, region: Region | int, impacts: list[InForce], books: dict
) -> int:
    """Chronicle each price that rose SPIKE_RATIO above its pre-event level, once per impact, good and town.

    Each entry is caused by the impact's own chronicle entry, so the GM can walk a price
    spike back to the flood that made it.
    """
    region_id = region if isinstance(region, int) else region.pk
    names = None
    entries = []
    for impact in impacts:
        if not impact.chronicle_entry_id:
            continue
        reference = impact.effects.get("reference_prices", {})
        seen = set(impact.effects.get("spikes", []))
        new = []
        for sid_text, prices in reference.items():
            book = books.get(int(sid_text))
            if book is None:
                continue
            for code, before in prices.items():
                stock = book.stocks.get(code)
                key = f"{sid_text}:{code}"
                if stock is None or key in seen or before <= 0 or stock.price < before * SPIKE_RATIO:
                    continue
                new.append((int(sid_text), code, before, stock.price, key))
        if not new:
            continue
        if names is None:
            names = dict(Settlement.objects.filter(region_id=region_id).values_list("id", "name"))
        for sid, code, before, now, key in new:
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
                data={**data, "impact": impact.impact_id},
                region_id=region_id,
                settlement_id=sid,
            )
            entries.append((entry, [impact.chronicle_entry_id]))
            seen.add(key)
        EventImpact.objects.filter(pk=impact.impact_id).update(
            effects={
                **{k: v for k, v in impact.effects.items() if k != "event_effects"},
                "spikes": sorted(seen),
            }
        )
    chronicle_record_many(entries)
    return len(entries)


# --- player deeds and quests ------------------------------------------------------------------------


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


def event_preview_dispatch(**kwargs) -> str:
    """Queue a preview of an event as the form describes it (see world/services/event_preview.py)."""
    from world.services.event_preview import event_preview_dispatch as dispatch

    return dispatch(**kwargs)
