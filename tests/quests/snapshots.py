"""Hand-made world snapshots for the pure hook detectors: a town, its market and its people."""

from __future__ import annotations

import itertools

from quests.hooks import GoodInfo, NpcInfo, SettlementInfo, WorldSnapshot, needs_summarise

BASE = {
    "bread": 2,
    "flour": 2,
    "wheat": 1,
    "cheese": 10,
    "meat": 30,
    "fish": 3,
    "ale-mug": 4,
    "iron": 10,
    "hammer": 100,
}
ITEM_IDS = {code: i for i, code in enumerate(BASE, start=1)}
_ids = itertools.count(1000)


def town(sid: int, name: str, *, faction: int = 1, region: int = 1, population: int = 2000, capital=False):
    return SettlementInfo(
        id=sid, name=name, region_id=region, faction_id=faction, population=population, is_capital=capital
    )


def good(sid: int, code: str, *, quantity: int = 40, target: int = 40, price: int | None = None) -> GoodInfo:
    return GoodInfo(
        settlement_id=sid,
        item_id=ITEM_IDS[code],
        code=code,
        name=code.title(),
        quantity=quantity,
        target=target,
        price=BASE[code] if price is None else price,
        base_price=BASE[code],
    )


def market(sid: int, **overrides: dict) -> list[GoodInfo]:
    """A well-stocked market at fair prices; `bread={"quantity": 0}` changes one good."""
    return [good(sid, code, **overrides.get(code.replace("-", "_"), {})) for code in BASE]


def people(sid: int, professions: dict[str, int], *, purse: int = 100, hunger: int = 80, safety: int = 70):
    """NPCs of one town; each profession's first NPC has the fattest purse."""
    npcs = []
    for profession, count in professions.items():
        for i in range(count):
            npcs.append(
                NpcInfo(
                    id=next(_ids),
                    settlement_id=sid,
                    profession=profession,
                    purse=purse + (50 if i == 0 else 0),
                    hunger=hunger,
                    safety=safety,
                )
            )
    return npcs


VILLAGE = {"farmer": 6, "miller": 1, "baker": 2, "guard": 1, "merchant": 1, "innkeeper": 1, "priest": 1}


def snapshot(*, towns, goods=(), npcs=(), routes=(), chronicle=(), factions=None, enemies=(), tick: int = 50):
    npcs = list(npcs)
    return WorldSnapshot(
        tick=tick,
        settlements={t.id: t for t in towns},
        goods=list(goods),
        needs=needs_summarise(npcs),
        npcs=npcs,
        routes=list(routes),
        chronicle=list(chronicle),
        factions=factions or {},
        enemies=set(enemies),
    )
