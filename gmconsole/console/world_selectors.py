"""Reads for the console's world pages: the chronicle and its causes, the map, events, rumours.

Every function here reads in a fixed number of queries (or a fixed number per level of the
cause graph), so a page never runs one query per row it shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django_celery_results.models import TaskResult

from world.models import (
    ChronicleEntry,
    EventImpact,
    Faction,
    Route,
    Rumour,
    RumourHearing,
    Settlement,
    World,
    WorldEvent,
)

WHY_MAX_DEPTH = 8
EVENT_IN_FORCE = (WorldEvent.Status.APPLYING, WorldEvent.Status.ACTIVE, WorldEvent.Status.PARTIAL)

# --- chronicle ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChronicleFilters:
    kind: str = ""
    region_id: int | None = None
    settlement_id: int | None = None
    tick_from: int | None = None
    tick_to: int | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(
            self.kind
            or self.region_id is not None
            or self.settlement_id is not None
            or self.tick_from is not None
            or self.tick_to is not None
            or self.q
        )


def chronicle_search(*, world: World, filters: ChronicleFilters) -> QuerySet[ChronicleEntry]:
    """The world's chronicle, newest first, narrowed by the filters; each row counts its causes."""
    qs = ChronicleEntry.objects.filter(world=world)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.region_id is not None:
        # an entry about a settlement of the region belongs to the region too
        qs = qs.filter(Q(region_id=filters.region_id) | Q(settlement__region_id=filters.region_id))
    if filters.settlement_id is not None:
        qs = qs.filter(settlement_id=filters.settlement_id)
    if filters.tick_from is not None:
        qs = qs.filter(tick__gte=filters.tick_from)
    if filters.tick_to is not None:
        qs = qs.filter(tick__lte=filters.tick_to)
    if filters.q:
        qs = qs.filter(text__icontains=filters.q)
    return (
        qs.select_related("region", "settlement")
        .annotate(cause_count=Count("causes", distinct=True))
        .order_by("-tick", "-id")
    )


def chronicle_entry_get(*, entry_id: int) -> ChronicleEntry:
    """One entry with its world and place; raises ChronicleEntry.DoesNotExist."""
    return ChronicleEntry.objects.select_related("world", "region", "settlement").get(pk=entry_id)


@dataclass(frozen=True)
class WhyRow:
    """One line of the "why" tree: `entry` caused the row `parent_id` (None for the entry asked about)."""

    entry: ChronicleEntry
    depth: int
    parent_id: int | None
    elsewhere: bool = False  # its own causes are listed where it appears first (a graph, not a tree)


@dataclass
class Why:
    entry: ChronicleEntry
    rows: list[WhyRow]
    levels: int  # how many levels of causes were found
    truncated: bool  # there are causes deeper than the limit
    cause_count: int  # distinct entries behind this one
    effects: list[ChronicleEntry] = field(default_factory=list)


_CauseLink = ChronicleEntry.causes.through  # rows (from = the effect, to = its cause)


def chronicle_why(*, entry: ChronicleEntry, max_depth: int = WHY_MAX_DEPTH) -> Why:
    """Walk `causes` backwards from `entry`, breadth first, one query per level.

    Each level reads the links out of the entries found on the level before, together with the
    cause entries themselves (joined), so the number of queries grows with the depth of the
    graph, never with its width. The result is flattened depth first for display: every cause
    sits under the entry it caused, and one reached again by another path is shown once more,
    marked, without repeating its causes.
    """
    causes_of: dict[int, list[ChronicleEntry]] = {}
    depth_of: dict[int, int] = {entry.pk: 0}
    frontier = [entry.pk]
    levels = 0
    while frontier and levels < max_depth:
        links = (
            _CauseLink.objects.filter(from_chronicleentry_id__in=frontier)
            .select_related("to_chronicleentry__region", "to_chronicleentry__settlement")
            .order_by("to_chronicleentry__tick", "to_chronicleentry_id")
        )
        next_frontier: list[int] = []
        for link in links:
            cause = link.to_chronicleentry
            causes_of.setdefault(link.from_chronicleentry_id, []).append(cause)
            if cause.pk not in depth_of:
                depth_of[cause.pk] = levels + 1
                next_frontier.append(cause.pk)
        if not next_frontier:
            break
        levels += 1
        frontier = next_frontier
    truncated = (
        bool(frontier)
        and levels >= max_depth
        and (_CauseLink.objects.filter(from_chronicleentry_id__in=frontier).exists())
    )

    rows: list[WhyRow] = []
    expanded: set[int] = set()

    def walk(node: ChronicleEntry, depth: int, parent_id: int | None) -> None:
        # A cause is expanded once, where the walk found it first (its shallowest place);
        # anywhere else it is listed as a reference only, which also stops any loop.
        here = depth_of.get(node.pk) == depth and node.pk not in expanded
        rows.append(WhyRow(entry=node, depth=depth, parent_id=parent_id, elsewhere=not here))
        if not here:
            return
        expanded.add(node.pk)
        for cause in causes_of.get(node.pk, []):
            walk(cause, depth + 1, node.pk)

    walk(entry, 0, None)
    return Why(
        entry=entry,
        rows=rows,
        levels=levels,
        truncated=truncated,
        cause_count=len(depth_of) - 1,
        effects=list(chronicle_effects(entry=entry)),
    )


def chronicle_effects(*, entry: ChronicleEntry) -> QuerySet[ChronicleEntry]:
    """The entries this one caused directly, oldest first."""
    return (
        ChronicleEntry.objects.filter(causes=entry)
        .select_related("region", "settlement")
        .order_by("tick", "id")
    )


# --- the map -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapData:
    settlements: list[dict]
    routes: list[dict]
    factions: list[Faction]
    events: list[WorldEvent]


def map_data(*, world: World) -> MapData:
    """Everything the world map draws, in four queries whatever the size of the world."""
    settlements = list(
        Settlement.objects.filter(world=world)
        .order_by("-population", "id")
        .values("id", "name", "x", "y", "population", "is_capital", "is_port", "faction_id", "region_id")
    )
    routes = list(
        Route.objects.filter(world=world).order_by("kind", "id").values("id", "a_id", "b_id", "kind")
    )
    factions = list(Faction.objects.filter(world=world).order_by("source_id"))
    return MapData(
        settlements=settlements, routes=routes, factions=factions, events=list(events_in_force(world=world))
    )


def events_in_force(*, world: World) -> QuerySet[WorldEvent]:
    """Events being applied or lasting now (applying, active, partial), newest first."""
    return (
        WorldEvent.objects.filter(world=world, status__in=EVENT_IN_FORCE)
        .select_related("settlement", "region")
        .order_by("-created_at", "-id")
    )


def events_in_force_with_progress(*, world: World, limit: int = 6) -> list[WorldEvent]:
    """Events in force with `regions_applied`, `regions_total` and `ticks_left` (one query)."""
    rows = list(
        events_in_force(world=world).annotate(
            regions_total=Count("impacts"),
            regions_applied=Count("impacts", filter=Q(impacts__status=EventImpact.Status.APPLIED)),
        )[:limit]
    )
    for event in rows:
        event.ticks_left = max(0, (event.ends_tick or 0) - world.current_tick)
    return rows


def settlement_choices(*, world: World) -> QuerySet[Settlement]:
    """Settlements by name, for filter and form selects: ids and names only."""
    return Settlement.objects.filter(world=world).order_by("name", "id").only("id", "name", "region_id")


def faction_choices(*, world: World) -> QuerySet[Faction]:
    """The states of a world (not the neutral lands), for the war form's selects."""
    return Faction.objects.filter(world=world, is_neutral=False).order_by("name", "id")


def settlement_points(*, world: World) -> list[dict]:
    """Every settlement's position and size, for the small maps of a rumour's spread."""
    return list(
        Settlement.objects.filter(world=world)
        .order_by("-population", "id")
        .values("id", "name", "x", "y", "population", "region_id", "is_capital")
    )


# --- events ------------------------------------------------------------------------------------


def events_search(*, world: World, status: str = "", kind: str = "") -> QuerySet[WorldEvent]:
    qs = WorldEvent.objects.filter(world=world)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("settlement", "region", "aggressor", "defender").order_by("-created_at", "-id")


def event_get(*, event_id: int) -> WorldEvent:
    """One event with everything its page names; raises WorldEvent.DoesNotExist."""
    return WorldEvent.objects.select_related(
        "world", "settlement", "region", "aggressor", "defender", "chronicle_entry", "quest"
    ).get(pk=event_id)


def event_impacts(*, event: WorldEvent) -> QuerySet[EventImpact]:
    return EventImpact.objects.filter(event=event).select_related("region").order_by("hops", "region__name")


def event_chronicle(*, event: WorldEvent) -> QuerySet[ChronicleEntry]:
    """The chronicle entries of an event, oldest first: those that name it or one of its regions' impacts
    in their data (start, each region, deaths, refugees, price spikes, summary, end), and its own entry."""
    impact_ids = list(EventImpact.objects.filter(event=event).values_list("id", flat=True))
    mentions = Q(data__event=event.pk)
    if impact_ids:
        mentions |= Q(data__impact__in=impact_ids)
    if event.chronicle_entry_id:
        mentions |= Q(pk=event.chronicle_entry_id)
    return (
        ChronicleEntry.objects.filter(world_id=event.world_id)
        .filter(mentions)
        .select_related("region", "settlement")
        .annotate(cause_count=Count("causes", distinct=True))
        .order_by("tick", "id")
    )


def event_rumours(*, event: WorldEvent) -> QuerySet[Rumour]:
    return (
        Rumour.objects.filter(event=event).select_related("origin_settlement").order_by("started_tick", "id")
    )


def rumour_hearings_by_settlement(*, rumour_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """{rumour id: {settlement id: how many NPCs there have heard it}}, in one query."""
    counts: dict[int, dict[int, int]] = {}
    rows = (
        RumourHearing.objects.filter(rumour_id__in=list(rumour_ids))
        .values("rumour_id", "settlement_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["rumour_id"], {})[row["settlement_id"]] = row["n"]
    return counts


# --- task results (the preview) ----------------------------------------------------------------


@dataclass(frozen=True)
class TaskOutcome:
    status: str  # PENDING (not finished, or unknown), STARTED, SUCCESS, FAILURE...
    result: dict | None
    error: str

    @property
    def ready(self) -> bool:
        return self.status in {"SUCCESS", "FAILURE", "REVOKED"}


def _failure_text(status: str, raw: object) -> str:
    if isinstance(raw, dict):
        message = raw.get("exc_message")
        message = " ".join(map(str, message)) if isinstance(message, list | tuple) else str(message or "")
        return f"{raw.get('exc_type', 'Error')}: {message}".rstrip(": ")
    return str(raw or status.lower())


def task_outcome(*, task_id: str) -> TaskOutcome:
    """A task's state and result as the django-db result backend stored them."""
    row = TaskResult.objects.filter(task_id=task_id).only("status", "result").first()
    if row is None:
        return TaskOutcome(status="PENDING", result=None, error="")
    try:
        raw = json.loads(row.result) if row.result else None
    except ValueError:
        raw = row.result
    if row.status == "SUCCESS":
        if not isinstance(raw, dict):
            return TaskOutcome(status="FAILURE", result=None, error=f"Unexpected result: {raw!r}")
        return TaskOutcome(status="SUCCESS", result=raw, error=str(raw.get("error") or ""))
    if row.status in {"FAILURE", "REVOKED"}:
        return TaskOutcome(status=row.status, result=None, error=_failure_text(row.status, raw))
    return TaskOutcome(status=row.status, result=None, error="")
