"""Player API: the world(s) a player plays in, their settlements, and what NPCs have heard.

A player sees the worlds where they have a character, nothing else.
"""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from economy.models import Market
from gmconsole.pagination import PagePagination
from npcs.models import Npc, PlayerCharacter
from world.models import Faction, RumourHearing, Settlement, World
from world.rumours.selectors import npc_rumours_heard
from world.selectors import settlement_neighbours

SETTLEMENT_NOT_FOUND = "No settlement with that id in your worlds."
NPC_NOT_FOUND = "No NPC with that id in your worlds."
NPC_IS_DEAD = "{npc} is dead and tells no tales."
NPC_ELSEWHERE = "{npc} is in {settlement}; your character {character} is in {here}. Go there to ask."
SETTLEMENTS_PAGE_SIZE = 50
NPCS_PAGE_SIZE = 50
# Keys of a hearing's details that are the story's bookkeeping, not what the NPC says: the template
# and the event's kind and title tell the un-blurred story, and ids (`event_id`, any `*_id`) point at it.
HIDDEN_DETAIL_KEYS = frozenset({"id", "template", "kind", "title"})
HIDDEN_DETAIL_SUFFIX = "_id"

router = Router(tags=["world"])


class Ref(Schema):
    id: int
    name: str


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    """422: the request did not match the documented parameters or body (one entry per problem)."""

    detail: list[dict]


class ClockOut(Schema):
    tick: int
    day: int
    hour: int
    hours_per_tick: int


class FactionOut(Schema):
    id: int
    name: str
    full_name: str
    color: str
    is_neutral: bool


class WorldOut(Schema):
    id: int
    slug: str
    name: str
    clock: ClockOut
    population: int  # living NPCs
    settlements: int
    factions: list[FactionOut]

    @staticmethod
    def resolve_clock(world: World) -> dict:
        return {
            "tick": world.current_tick,
            "day": world.game_day,
            "hour": world.game_hour,
            "hours_per_tick": world.hours_per_tick,
        }

    @staticmethod
    def resolve_population(world: World) -> int:
        return world.npc_count

    @staticmethod
    def resolve_settlements(world: World) -> int:
        return world.settlement_count

    @staticmethod
    def resolve_factions(world: World) -> list[Faction]:
        return list(world.factions.all())


class SettlementOut(Schema):
    id: int
    name: str
    world: str  # slug
    region: Ref
    faction: Ref
    population: int  # people, of whom the NPCs are a sample
    is_port: bool
    is_capital: bool
    x: float
    y: float

    @staticmethod
    def resolve_world(settlement: Settlement) -> str:
        return settlement.world.slug


class NeighbourOut(Schema):
    """A settlement one route away: where a character can travel next."""

    id: int
    name: str
    route_kind: str  # road, trail or sea
    distance_km: float


class SettlementDetailOut(SettlementOut):
    kind: str
    culture: str
    has_citadel: bool
    has_walls: bool
    has_temple: bool
    has_plaza: bool
    npcs: int  # living NPCs (listed at /settlements/{id}/npcs)
    has_market: bool
    neighbours: list[NeighbourOut]  # nearest first

    @staticmethod
    def resolve_npcs(settlement: Settlement) -> int:
        return settlement.npc_count

    @staticmethod
    def resolve_has_market(settlement: Settlement) -> bool:
        return settlement.market_exists

    @staticmethod
    def resolve_neighbours(settlement: Settlement) -> list[dict]:
        return [
            {
                "id": n.settlement.pk,
                "name": n.settlement.name,
                "route_kind": n.kind,
                "distance_km": round(n.distance_km, 1),
            }
            for n in settlement_neighbours(settlement=settlement)
        ]


class NpcOut(Schema):
    id: int  # ask it what it has heard: /npcs/{id}/rumours
    name: str
    profession: str
    activity: str


def player_details(details):
    """`details` as the NPC tells them: without HIDDEN_DETAIL_KEYS and `*_id` keys, at any depth."""
    if isinstance(details, dict):
        return {
            key: player_details(value)
            for key, value in details.items()
            if key not in HIDDEN_DETAIL_KEYS and not str(key).endswith(HIDDEN_DETAIL_SUFFIX)
        }
    if isinstance(details, list):
        return [player_details(value) for value in details]
    return details


class RumourHeardOut(Schema):
    rumour_id: int
    text: str  # in the NPC's words
    details: dict  # the NPC's version: numbers grown, names slipped on the way (no internal keys)
    heard_tick: int
    belief: float  # 0..1: how much the NPC believes it
    hops: int  # mouths between the source and this NPC (0: it saw it happen)
    heard_from: Ref | None  # who told it; none for the source

    @staticmethod
    def resolve_heard_from(hearing: RumourHearing):
        return hearing.heard_from

    @staticmethod
    def resolve_details(hearing: RumourHearing) -> dict:
        return player_details(hearing.details)


class NpcRumoursOut(Schema):
    npc: Ref
    settlement: Ref
    rumours: list[RumourHeardOut]


def player_world_ids(user) -> QuerySet:
    """Ids of the worlds `user` has a character in (a subquery)."""
    return PlayerCharacter.objects.filter(owner=user).values("world_id")


def _living_npcs(outer: str) -> Coalesce:
    counts = (
        Npc.objects.filter(is_alive=True, **{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def _settlements_for(user) -> QuerySet[Settlement]:
    return (
        Settlement.objects.filter(world_id__in=player_world_ids(user))
        .select_related("world", "region", "faction")
        .order_by("name", "pk")
    )


@router.get("/world", response=list[WorldOut], url_name="world")
def world_overview(request):
    """The worlds you play in: clock, population, settlements and factions."""
    settlements = (
        Settlement.objects.filter(world=OuterRef("pk"))
        .order_by()
        .values("world")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        World.objects.filter(pk__in=player_world_ids(request.auth))
        .annotate(
            npc_count=_living_npcs("world"),
            settlement_count=Coalesce(Subquery(settlements, output_field=IntegerField()), Value(0)),
        )
        .prefetch_related(Prefetch("factions", queryset=Faction.objects.order_by("source_id")))
        .order_by("name", "pk")
    )


@router.get(
    "/settlements",
    response={200: list[SettlementOut], 400: ErrorOut, 422: ValidationErrorOut},
    url_name="settlements",
)
@paginate(PagePagination, page_size=SETTLEMENTS_PAGE_SIZE)
def settlement_list(request, region: int | None = None, q: str | None = None, world: str | None = None):
    """Settlements of your worlds, by name; filter by region id, world slug or part of the name."""
    settlements = _settlements_for(request.auth)
    if region is not None:
        settlements = settlements.filter(region_id=region)
    if world:
        settlements = settlements.filter(world__slug=world)
    if q:
        settlements = settlements.filter(name__icontains=q.strip())
    return settlements


@router.get(
    "/settlements/{settlement_id}",
    response={200: SettlementDetailOut, 404: ErrorOut, 422: ValidationErrorOut},
    url_name="settlement",
)
def settlement_detail(request, settlement_id: int):
    """A settlement of your worlds: its NPC count, market, and the settlements its routes lead to."""
    settlement = (
        _settlements_for(request.auth)
        .annotate(
            npc_count=_living_npcs("settlement"),
            market_exists=Exists(Market.objects.filter(settlement=OuterRef("pk"))),
        )
        .filter(pk=settlement_id)
        .first()
    )
    if settlement is None:
        raise HttpError(404, SETTLEMENT_NOT_FOUND)
    return settlement


@router.get(
    "/settlements/{settlement_id}/npcs",
    response={200: list[NpcOut], 400: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    url_name="settlement-npcs",
)
@paginate(PagePagination, page_size=NPCS_PAGE_SIZE)
def settlement_npcs(request, settlement_id: int):
    """The living NPCs of a settlement of your worlds, by name: their ids to ask for rumours."""
    if not _settlements_for(request.auth).filter(pk=settlement_id).exists():
        raise HttpError(404, SETTLEMENT_NOT_FOUND)
    return Npc.objects.filter(settlement_id=settlement_id, is_alive=True).order_by("name", "pk")


@router.get(
    "/npcs/{npc_id}/rumours",
    response={200: NpcRumoursOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    url_name="npc-rumours",
)
def npc_rumours(request, npc_id: int):
    """Ask an NPC what it has heard. Your character must be in the NPC's settlement."""
    npc = (
        Npc.objects.filter(pk=npc_id, world_id__in=player_world_ids(request.auth))
        .select_related("settlement")
        .first()
    )
    if npc is None:
        raise HttpError(404, NPC_NOT_FOUND)
    if not npc.is_alive:
        raise HttpError(404, NPC_IS_DEAD.format(npc=npc.name))
    character = (
        PlayerCharacter.objects.filter(owner=request.auth, world_id=npc.world_id)
        .select_related("settlement")
        .get()
    )
    if character.settlement_id != npc.settlement_id:
        raise HttpError(
            403,
            NPC_ELSEWHERE.format(
                npc=npc.name,
                settlement=npc.settlement.name,
                character=character.name,
                here=character.settlement.name,
            ),
        )
    return {"npc": npc, "settlement": npc.settlement, "rumours": list(npc_rumours_heard(npc=npc))}
