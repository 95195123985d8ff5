"""Applying events: start (one impact per region reached), the chord of region tasks, the summary, retries.

Shape of an event on the workers:

    world.event_start ──► event_start ──► chord(group(world.event_region × regions), world.event_summary)

Each region task applies its impact once (the impact row is locked and marked applied in the
same transaction as the deaths, refugees and lost goods). A region that fails is marked
failed with its error and the chord still closes, so the summary marks the event partial and
names the region; the GM retries it from the console."""

from __future__ import annotations

import json
import logging
from collections import Counter

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from economy.services.books import books_load, books_save
from gmconsole.bulk_update import bulk_update_values
from gmconsole.dispatch import dispatch_on_commit
from npcs.models import Npc
from world.events import sim as event_sim
from world.events.selectors import Graph, event_town_reach, war_allies_of, world_graph
from world.models import (
    ChronicleEntry,
    EventImpact,
    Faction,
    FactionRelation,
    Region,
    Settlement,
    Stance,
    WorldEvent,
)
from world.services.chronicle import chronicle_record

logger = logging.getLogger(__name__)

Kind = WorldEvent.Kind


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
    graph = world_graph(world_id=event.world_id)
    towns = event_town_reach(event=event, graph=graph)
    reach = event_sim.by_region(towns, graph.region_of)
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
        [
            EventImpact(
                event=event,
                region_id=region_id,
                hops=hops,
                intensity=intensity,
                # Each town of the region feels the event at its own distance from the epicentre.
                effects={
                    "towns": {str(t): list(v) for t, v in towns.items() if graph.region_of[t] == region_id}
                },
            )
            for region_id, (hops, intensity) in sorted(reach.items())
        ]
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


# --- one region ------------------------------------------------------------------------------


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
    """Deaths, refugees, lost goods and jolted prices for one region, each town at its own intensity.

    `hit` is every town's intensity for the whole event (where refugees may flee). Returns the
    impact's effects and the side entries (deaths, refugees) for the chronicle.
    """
    towns = {int(t): v[1] for t, v in (impact.effects.get("towns") or {}).items()}
    shocks = {t: event_sim.shock_for(event.kind, intensity, event.effects) for t, intensity in towns.items()}
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
        if sid in towns
    }
    effects: dict = {
        "intensity": impact.intensity,
        "hops": impact.hops,
        "towns": impact.effects.get("towns") or {},
        "reference_prices": reference,
    }
    side: list[tuple[str, dict]] = []
    people: dict[int, list[int]] = {}
    for npc_id, settlement_id, _ in npcs:
        people.setdefault(settlement_id, []).append(npc_id)

    dead, fleeing = event_sim.casualties(people, shocks, seed)
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

    moves, refugees = [], Counter()
    refuge_cache: dict[int, int | None] = {}
    for npc_id, settlement_id, _ in npcs:
        if npc_id not in fleeing:
            continue
        if settlement_id not in refuge_cache:
            refuge_cache[settlement_id] = event_sim.refuge_for(settlement_id, graph.links, hit)
        refuge = refuge_cache[settlement_id]
        if refuge is not None:
            moves.append((npc_id, refuge, graph.region_of[refuge]))
            refugees[refuge] += 1
    if moves:
        bulk_update_values(Npc, ["settlement", "region"], moves)
        effects["refugees"] = {str(k): v for k, v in refugees.items()}
        side.append(("refugees", {"to": dict(refugees)}))

    lost = event_sim.stock_shock(loaded.books, shocks, event.settlement_id)
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
        hit = {  # every town's intensity, for the whole event: refugees flee to a town hit less hard
            int(town): hops_intensity[1]
            for effects in EventImpact.objects.filter(event_id=event_id).values_list("effects", flat=True)
            for town, hops_intensity in (effects.get("towns") or {}).items()
        }
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
                text = f"{data['count']} people of {impact.region.name} died in the {event.get_kind_display().lower()}."
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


# --- summary and retry --------------------------------------------------------------------------


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
        "severity": event.severity,  # how newsworthy it is (world.rumours.sim.newsworthy)
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
