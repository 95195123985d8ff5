"""Which troubles of the world could become quests: pure functions over a snapshot. No ORM here.

`quests.selectors.hooks_snapshot` reads a `WorldSnapshot` in a few bulk queries;
`hooks_detect` turns it into `HookCandidate`s, most pressing first; `hooks_pick_new` caps
how many *new* ones a scan may raise, so the GM is not flooded. Every candidate carries a
stable `key`: the same trouble seen by the next scan has the same key.

Each hook names a motivation from Doran & Parberry's structural analysis of RPG quests, a
giver (someone of the place whose living the trouble touches: a baker when bread or flour
runs short, a guard when the place is unsafe, a merchant when goods are dear, else the
richest person there) and a few of the people it touches.
"""

from __future__ import annotations

from .casting import MAX_INVOLVED, cast, item_professions
from .detect import (
    DANGEROUS_AVERAGE_SAFETY_BELOW,
    DEAR_PRICE_PERCENT,
    REACH_FLOOR_PERCENT,
    REACH_FULL_NPCS,
    SHORTAGE_STOCK_PERCENT,
    UNMET_MIN_NPCS,
    UNMET_MIN_PERCENT,
    detect_chronicle_events,
    detect_dangerous_routes,
    detect_dear_goods,
    detect_shortages,
    detect_unmet_needs,
    detect_wars,
    hooks_detect,
    reach,
)
from .ranking import (
    MAX_NEW_HOOKS_PER_KIND,
    MAX_NEW_HOOKS_PER_SCAN,
    MAX_NEW_HOOKS_PER_SETTLEMENT,
    MAX_OPEN_HOOKS_PER_KIND,
    NewHooks,
    hooks_pick_new,
    rank,
)
from .snapshot import (
    CHRONICLE_EVENT,
    CHRONICLE_KINDS,
    CHRONICLE_WINDOW_TICKS,
    DANGEROUS_ROUTE,
    DEAR_GOODS,
    ENEMY,
    HUNGRY_BELOW,
    KINDS,
    SHORTAGE,
    UNMET_NEEDS,
    UNSAFE_BELOW,
    WAR,
    ChronicleInfo,
    FactionInfo,
    GoodInfo,
    HookCandidate,
    NeedsInfo,
    NpcInfo,
    RouteInfo,
    SettlementInfo,
    WorldSnapshot,
    enemy_pair,
    needs_summarise,
    people_by_settlement,
)

__all__ = [
    "CHRONICLE_EVENT",
    "CHRONICLE_KINDS",
    "CHRONICLE_WINDOW_TICKS",
    "DANGEROUS_AVERAGE_SAFETY_BELOW",
    "DANGEROUS_ROUTE",
    "DEAR_GOODS",
    "DEAR_PRICE_PERCENT",
    "ENEMY",
    "HUNGRY_BELOW",
    "KINDS",
    "MAX_INVOLVED",
    "MAX_NEW_HOOKS_PER_KIND",
    "MAX_NEW_HOOKS_PER_SCAN",
    "MAX_NEW_HOOKS_PER_SETTLEMENT",
    "MAX_OPEN_HOOKS_PER_KIND",
    "REACH_FLOOR_PERCENT",
    "REACH_FULL_NPCS",
    "SHORTAGE",
    "SHORTAGE_STOCK_PERCENT",
    "UNMET_MIN_NPCS",
    "UNMET_MIN_PERCENT",
    "UNMET_NEEDS",
    "UNSAFE_BELOW",
    "WAR",
    "ChronicleInfo",
    "FactionInfo",
    "GoodInfo",
    "HookCandidate",
    "NeedsInfo",
    "NewHooks",
    "NpcInfo",
    "RouteInfo",
    "SettlementInfo",
    "WorldSnapshot",
    "cast",
    "detect_chronicle_events",
    "detect_dangerous_routes",
    "detect_dear_goods",
    "detect_shortages",
    "detect_unmet_needs",
    "detect_wars",
    "enemy_pair",
    "hooks_detect",
    "hooks_pick_new",
    "item_professions",
    "needs_summarise",
    "people_by_settlement",
    "rank",
    "reach",
]
