"""The snapshot of the world a hook scan reads, and the candidates it produces. No ORM here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

HUNGRY_BELOW = 30  # an NPC whose hunger satisfaction is below this goes hungry
UNSAFE_BELOW = 50  # an NPC whose safety is below this feels unsafe (no walls, no guards)
CHRONICLE_WINDOW_TICKS = 24  # chronicle entries this recent can raise a hook
CHRONICLE_KINDS = ("event", "economy")  # world.models.ChronicleEntry.Kind values
ENEMY = "Enemy"  # world.models.Stance.ENEMY

# --- Values of quests.models (kept as plain strings: no ORM here) -------------------------

SHORTAGE, DEAR_GOODS, UNMET_NEEDS = "shortage", "dear_goods", "unmet_needs"
DANGEROUS_ROUTE, CHRONICLE_EVENT, WAR = "dangerous_route", "chronicle_event", "war"
KINDS = (SHORTAGE, DEAR_GOODS, UNMET_NEEDS, DANGEROUS_ROUTE, CHRONICLE_EVENT, WAR)
KNOWLEDGE, COMFORT, SERENITY, PROTECTION = "knowledge", "comfort", "serenity", "protection"
CONQUEST, WEALTH = "conquest", "wealth"
HUNGER, SAFETY = "hunger", "safety"
WAR_FRONT, UNSAFE_END = "war_front", "unsafe_end"


# --- Snapshot -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettlementInfo:
    id: int
    name: str
    region_id: int
    faction_id: int
    population: int = 0
    is_capital: bool = False


@dataclass(frozen=True, slots=True)
class GoodInfo:
    """One good at one settlement's market."""

    settlement_id: int
    item_id: int
    code: str
    name: str
    quantity: int
    target: int
    price: int
    base_price: int
    demand: int = 0
    supply: int = 0


@dataclass(frozen=True, slots=True)
class NeedsInfo:
    """How a settlement's living NPCs fare (the selector aggregates this in the database)."""

    settlement_id: int
    npcs: int
    hungry: int  # hunger below HUNGRY_BELOW
    unsafe: int  # safety below UNSAFE_BELOW
    average_hunger: int
    average_safety: int


@dataclass(frozen=True, slots=True)
class NpcInfo:
    id: int
    settlement_id: int
    profession: str
    purse: int
    hunger: int = 80
    safety: int = 70


@dataclass(frozen=True, slots=True)
class RouteInfo:
    id: int
    a_id: int
    b_id: int
    kind: str
    distance_km: float = 0.0


@dataclass(frozen=True, slots=True)
class ChronicleInfo:
    id: int
    tick: int
    kind: str
    text: str
    settlement_id: int | None = None


@dataclass(frozen=True, slots=True)
class FactionInfo:
    id: int
    name: str
    is_neutral: bool = False


@dataclass
class WorldSnapshot:
    tick: int
    settlements: dict[int, SettlementInfo]
    goods: list[GoodInfo] = field(default_factory=list)
    needs: dict[int, NeedsInfo] = field(default_factory=dict)
    npcs: list[NpcInfo] = field(default_factory=list)
    routes: list[RouteInfo] = field(default_factory=list)
    chronicle: list[ChronicleInfo] = field(default_factory=list)
    factions: dict[int, FactionInfo] = field(default_factory=dict)
    enemies: set[tuple[int, int]] = field(default_factory=set)  # faction id pairs, lower id first


@dataclass
class HookCandidate:
    kind: str
    key: str
    motivation: str
    severity: int  # 0–100
    summary: str
    settlement_id: int | None = None
    region_id: int | None = None
    route_id: int | None = None
    item_id: int | None = None
    faction_id: int | None = None
    rival_faction_id: int | None = None
    chronicle_entry_id: int | None = None
    giver_id: int | None = None
    involved_ids: tuple[int, ...] = ()
    facts: dict = field(default_factory=dict)


def needs_summarise(npcs: Iterable[NpcInfo]) -> dict[int, NeedsInfo]:
    """The per-settlement needs aggregate, from a roster (what the selector computes in SQL)."""
    groups: dict[int, list[NpcInfo]] = defaultdict(list)
    for npc in npcs:
        groups[npc.settlement_id].append(npc)
    return {
        sid: NeedsInfo(
            settlement_id=sid,
            npcs=len(people),
            hungry=sum(1 for n in people if n.hunger < HUNGRY_BELOW),
            unsafe=sum(1 for n in people if n.safety < UNSAFE_BELOW),
            average_hunger=round(sum(n.hunger for n in people) / len(people)),
            average_safety=round(sum(n.safety for n in people) / len(people)),
        )
        for sid, people in groups.items()
    }


def enemy_pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def people_by_settlement(npcs: Iterable[NpcInfo]) -> dict[int, list[NpcInfo]]:
    groups: dict[int, list[NpcInfo]] = defaultdict(list)
    for npc in npcs:
        groups[npc.settlement_id].append(npc)
    return groups
