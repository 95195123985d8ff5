"""Importing an Azgaar Fantasy Map Generator export as a new world, in one transaction.

The file is read, hashed and fully validated (world.azgaar) and its routes planned
(world.routing) before anything is written, so a bad file leaves the database untouched.
The same file (same SHA-256) imports once per people-per-NPC scale; importing it again
changes nothing. (Another scale makes another world: bench.tick compares scales that way.)
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from economy.models import Item
from npcs.models import Npc
from npcs.population import PEOPLE_PER_NPC_TOO_SMALL, Place, generate_npcs, npc_count
from world.azgaar import PROVINCE, AzgaarMap, Burg, burg_regions, parse_export, read_export
from world.models import ChronicleEntry, Faction, FactionRelation, Region, Route, Settlement, Stance, World
from world.routing import PlannedRoute, plan_routes
from world.services.chronicle import chronicle_record

# Initial taxes: a settlement's treasury starts with one copper piece per this many inhabitants.
PEOPLE_PER_TREASURY_COPPER = 2
NO_RELATION = "x"  # Azgaar's diplomacy entry for itself (and for the neutrals)
NPC_BATCH = 2000

IMPORTED = (
    "Imported {name} from {file} (Azgaar {version}): {factions} factions, {regions} regions, "
    "{settlements} settlements, {routes} routes, {npcs} NPCs."
)
ALREADY_IMPORTED = (
    "{file} is already imported as world {slug!r} ({name}, {people_per_npc} people per NPC): nothing changed."
)


class WorldImportError(ValueError):
    """A request the importer refuses (problems with the file itself raise AzgaarError)."""


@dataclass(frozen=True)
class ImportResult:
    world: World
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    message: str = ""


def settlement_treasury(population: int) -> int:
    """Initial taxes of a settlement, in copper pieces."""
    return population // PEOPLE_PER_TREASURY_COPPER


def stance_of(text: str) -> Stance:
    """Azgaar's diplomacy word as a Stance; words we do not know are UNKNOWN."""
    for stance in Stance:
        if stance.value.lower() == text.strip().lower():
            return stance
    return Stance.UNKNOWN


def unique_slug(name: str, taken: Callable[[str], bool]) -> str:
    base = (slugify(name) or "world")[:190]
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def world_import_azgaar(*, path: Path, people_per_npc: int = 100) -> ImportResult:
    """Import the export at `path` as a new World, or report that it already is one.

    Raises AzgaarError (one line naming the file and the problem) for a bad file and
    WorldImportError for a bad `people_per_npc`; nothing is written then.
    """
    started = time.perf_counter()
    path = Path(path)
    if people_per_npc < 1:
        raise WorldImportError(PEOPLE_PER_NPC_TOO_SMALL.format(value=people_per_npc))
    raw = read_export(path)
    sha256 = hashlib.sha256(raw).hexdigest()
    existing = _imported(sha256, people_per_npc)
    if existing is None:
        world_map = parse_export(raw, file=path.name)
        routes = plan_routes(world_map)
        with transaction.atomic():
            # Checked again under the write transaction: a concurrent import of the same file may
            # have committed meanwhile (SQLite serialises writers; see the report on PostgreSQL).
            existing = _imported(sha256, people_per_npc)
            if existing is None:
                world, counts = _write(
                    world_map, routes, path=path, sha256=sha256, people_per_npc=people_per_npc
                )
                message = IMPORTED.format(
                    name=world.name, file=path.name, version=world.source_version or "?", **counts
                )
                return ImportResult(world, True, counts, time.perf_counter() - started, message)
    return ImportResult(
        world=existing,
        created=False,
        counts=_counts(existing),
        seconds=time.perf_counter() - started,
        message=ALREADY_IMPORTED.format(
            file=path.name, slug=existing.slug, name=existing.name, people_per_npc=existing.people_per_npc
        ),
    )


def _imported(sha256: str, people_per_npc: int) -> World | None:
    return World.objects.filter(source_sha256=sha256, people_per_npc=people_per_npc).order_by("pk").first()


@transaction.atomic
def _write(
    world_map: AzgaarMap, routes: list[PlannedRoute], *, path: Path, sha256: str, people_per_npc: int
) -> tuple[World, dict[str, int]]:
    name = world_map.name
    if World.objects.filter(name=name).exists():  # e.g. the same map at another scale: tell them apart
        name = f"{name} (1 NPC per {people_per_npc} people)"
    world = World(
        name=name[:200],
        slug=unique_slug(world_map.name, lambda s: World.objects.filter(slug=s).exists()),
        source_file=str(path.resolve())[:500],
        source_sha256=sha256,
        source_version=world_map.version[:40],
        seed=world_map.seed[:60],
        width=world_map.width,
        height=world_map.height,
        distance_scale=world_map.distance_scale,
        start_year=world_map.start_year,
        era=world_map.era[:100],
        people_per_npc=people_per_npc,
    )
    world.full_clean()
    world.save()

    # Rows below come from a fully validated map; bulk_create skips per-row full_clean
    # (which would cost a query per unique constraint, thousands for the NPCs).
    factions = {
        f.source_id: f
        for f in Faction.objects.bulk_create(
            [
                Faction(
                    world=world,
                    source_id=s.source_id,
                    is_neutral=s.is_neutral,
                    name=s.name[:200],
                    full_name=s.full_name[:300],
                    form=s.form[:100],
                    color=s.color[:20],
                )
                for s in world_map.states
            ]
        )
    }
    relations = []
    for state in world_map.states:
        if state.is_neutral:
            continue  # the neutrals' "diplomacy" is a war history, not stances
        for other, text in enumerate(state.diplomacy):
            if other == state.source_id or text.strip().lower() == NO_RELATION or other not in factions:
                continue
            if factions[other].is_neutral:
                continue
            relations.append(
                FactionRelation(
                    world=world,
                    faction=factions[state.source_id],
                    other=factions[other],
                    stance=stance_of(text),
                )
            )
    FactionRelation.objects.bulk_create(relations)

    states = {s.source_id: s for s in world_map.states}
    region_of_burg = burg_regions(world_map)
    region_rows = [
        Region(
            world=world,
            kind=Region.Kind.PROVINCE,
            source_id=p.source_id,
            name=p.name[:200],
            full_name=p.full_name[:300],
            faction=factions[p.state],
            color=p.color[:20],
        )
        for p in world_map.provinces
    ]
    for state_id in sorted({sid for kind, sid in region_of_burg.values() if kind != PROVINCE}):
        state = states[state_id]
        region_rows.append(
            Region(
                world=world,
                kind=Region.Kind.STATE,
                source_id=state_id,
                name=state.name[:200],
                full_name=state.full_name[:300],
                faction=factions[state_id],
                color=state.color[:20],
            )
        )
    regions = {(r.kind, r.source_id): r for r in Region.objects.bulk_create(region_rows)}

    settlements = Settlement.objects.bulk_create(
        [
            _settlement(world, world_map, burg, factions, regions[region_of_burg[burg.source_id]])
            for burg in sorted(world_map.burgs, key=lambda b: b.source_id)
        ]
    )
    by_burg = {s.source_id: s for s in settlements}

    Route.objects.bulk_create(
        [
            Route(
                world=world,
                a=min(by_burg[r.a], by_burg[r.b], key=lambda s: s.pk),
                b=max(by_burg[r.a], by_burg[r.b], key=lambda s: s.pk),
                kind=Route.Kind(r.kind),
                distance_km=round(r.length * world_map.distance_scale, 3),
                cells=list(r.cells if by_burg[r.a].pk < by_burg[r.b].pk else reversed(r.cells)),
            )
            for r in routes
        ]
    )

    npc_total = 0
    batch: list[Npc] = []
    for burg in world_map.burgs:
        settlement = by_burg[burg.source_id]
        culture = world_map.culture_of(burg)
        place = Place(
            key=burg.source_id,
            kind=burg.kind,
            culture=(culture.name_base or culture.name) if culture else "",
            is_port=settlement.is_port,
            is_capital=settlement.is_capital,
            has_walls=settlement.has_walls,
            has_citadel=settlement.has_citadel,
            has_temple=settlement.has_temple,
        )
        count = npc_count(settlement.population, people_per_npc)
        for seed in generate_npcs(world_seed=world.seed or world.slug, place=place, count=count):
            batch.append(
                Npc(
                    world=world,
                    settlement=settlement,
                    region_id=settlement.region_id,
                    name=seed.name[:120],
                    age=seed.age,
                    profession=seed.profession,
                    hunger=seed.hunger,
                    rest=seed.rest,
                    social=seed.social,
                    safety=seed.safety,
                    activity=seed.activity,
                    purse=seed.purse,
                    food=seed.food,
                )
            )
        if len(batch) >= NPC_BATCH:
            Npc.objects.bulk_create(batch, batch_size=NPC_BATCH)
            npc_total += len(batch)
            batch = []
    Npc.objects.bulk_create(batch, batch_size=NPC_BATCH)
    npc_total += len(batch)

    route_kinds = Counter(r.kind for r in routes)
    counts = {
        "factions": len(factions),
        "relations": len(relations),
        "regions": len(regions),
        "settlements": len(settlements),
        "routes": len(routes),
        "npcs": npc_total,
        "population": sum(s.population for s in settlements),
        **{f"routes_{kind}": route_kinds.get(kind, 0) for kind in Route.Kind.values},
    }
    chronicle_record(
        world=world,
        tick=0,
        kind=ChronicleEntry.Kind.IMPORT,
        text=IMPORTED.format(name=world.name, file=path.name, version=world.source_version or "?", **counts),
        data={"file": path.name, "sha256": sha256, "version": world.source_version, **counts},
    )
    _open_markets(world)
    return world, counts


def _settlement(
    world: World, world_map: AzgaarMap, burg: Burg, factions: dict[int, Faction], region: Region
) -> Settlement:
    people = world_map.people(burg)
    culture = world_map.culture_of(burg)
    return Settlement(
        world=world,
        region=region,
        faction=factions[burg.state],
        source_id=burg.source_id,
        cell=burg.cell,
        name=burg.name[:200],
        kind=burg.kind[:40],
        culture=(culture.name if culture else "")[:100],
        x=burg.x,
        y=burg.y,
        population=people,
        is_capital=burg.is_capital,
        is_port=burg.port > 0,
        has_citadel=burg.has_citadel,
        has_walls=burg.has_walls,
        has_temple=burg.has_temple,
        has_plaza=burg.has_plaza,
        has_shanty=burg.has_shanty,
        treasury=settlement_treasury(people),
    )


def _open_markets(world: World) -> None:
    """Open markets now if the item catalogue was imported first (economy owns markets_open)."""
    try:
        from economy.services.markets import markets_open
    except ImportError:
        return
    if Item.objects.exists():
        markets_open(world=world)


def _counts(world: World) -> dict[str, int]:
    kinds = Counter(world.routes.values_list("kind", flat=True))
    return {
        "factions": world.factions.count(),
        "relations": world.faction_relations.count(),
        "regions": world.regions.count(),
        "settlements": world.settlements.count(),
        "routes": sum(kinds.values()),
        "npcs": world.npcs.count(),
        "population": sum(world.settlements.values_list("population", flat=True)),
        **{f"routes_{kind}": kinds.get(kind, 0) for kind in Route.Kind.values},
    }
