"""How much a new market holds on opening day: pure arithmetic, no ORM.

A market opens with about DAYS_OF_STOCK days of what its people use, so a town can feed
itself for a couple of days before producers and prices take over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DAYS_OF_STOCK = 2
# Units used per day by 100 NPCs. Food: an NPC loses ~96 hunger a day (4 an hour, as in
# npcs.sim), ~40 % met with bread and the rest evenly with cheese, meat and fish. The
# inputs follow economy.goods.RECIPES: flour for that bread, wheat for flour and ale,
# iron for the smiths' hammers, and hammers wearing out now and then.
DAILY_USE_PER_100_NPCS: dict[str, int] = {
    "bread": 130,
    "cheese": 55,
    "meat": 40,
    "fish": 65,
    "ale-mug": 100,
    "flour": 65,
    "wheat": 150,
    "iron": 6,
    "hammer": 2,
}
DEFAULT_DAILY_USE_PER_100_NPCS = 10
MIN_TARGET = 10  # even a hamlet's stall holds a few of everything
CASH_PER_NPC = 50  # copper pieces
MIN_CASH = 1_000  # copper pieces

NEGATIVE_NPC_COUNT = "npc_count must be zero or more, got {npc_count}"


@dataclass(frozen=True)
class MarketOpening:
    cash: int  # copper pieces
    targets: dict[str, int]  # item code -> units; the opening quantity is the target


def stock_target(*, code: str, npc_count: int) -> int:
    """Units of `code` a market serving `npc_count` NPCs likes to hold."""
    if npc_count < 0:
        raise ValueError(NEGATIVE_NPC_COUNT.format(npc_count=npc_count))
    per_100 = DAILY_USE_PER_100_NPCS.get(code, DEFAULT_DAILY_USE_PER_100_NPCS)
    need = -(-npc_count * per_100 * DAYS_OF_STOCK // 100)  # rounded up
    return max(MIN_TARGET, need)


def opening_cash(*, npc_count: int) -> int:
    if npc_count < 0:
        raise ValueError(NEGATIVE_NPC_COUNT.format(npc_count=npc_count))
    return max(MIN_CASH, CASH_PER_NPC * npc_count)


def market_opening(*, npc_count: int, codes: Iterable[str]) -> MarketOpening:
    return MarketOpening(
        cash=opening_cash(npc_count=npc_count),
        targets={code: stock_target(code=code, npc_count=npc_count) for code in codes},
    )
