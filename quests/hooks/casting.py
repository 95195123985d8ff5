"""Who gives a quest and who else a trouble touches, among the NPCs of one place. No ORM here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from economy.goods import DRINK, NOURISHMENT, RECIPES

from .snapshot import NpcInfo

MAX_INVOLVED = 4  # the giver and up to three others


def item_professions(code: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(who needs `code` for their work, who makes it), from economy.goods.RECIPES."""
    consumers = tuple(sorted(p for p, r in RECIPES.items() if code in r.inputs))
    producers = tuple(sorted(p for p, r in RECIPES.items() if code in r.outputs))
    return consumers, producers


def _richest(people: Iterable[NpcInfo]) -> NpcInfo | None:
    return min(people, key=lambda n: (-n.purse, n.id), default=None)


def cast(
    people: Sequence[NpcInfo],
    preferred: Sequence[str],
    *,
    touched_first: str | None = None,
    limit: int = MAX_INVOLVED,
) -> tuple[int | None, tuple[int, ...]]:
    """Pick (giver id, involved ids) among the NPCs of one place.

    The giver is the richest NPC of the first preferred profession present there (the reward
    comes from their purse), else the richest NPC of the place. The others are more NPCs of
    the preferred professions, then those worst off in `touched_first` ("hunger"/"safety").
    """
    if not people:
        return None, ()
    by_profession: dict[str, list[NpcInfo]] = defaultdict(list)
    for npc in people:
        by_profession[npc.profession].append(npc)
    giver = next(
        (_richest(by_profession[p]) for p in preferred if by_profession.get(p)),
        None,
    ) or _richest(people)
    chosen = [giver.id]
    for profession in preferred:
        for npc in sorted(by_profession.get(profession, ()), key=lambda n: (-n.purse, n.id)):
            if len(chosen) >= limit:
                break
            if npc.id not in chosen:
                chosen.append(npc.id)
                break  # one of each trade, so several trades get a voice
    if touched_first is not None:
        for npc in sorted(people, key=lambda n: (getattr(n, touched_first), n.id)):
            if len(chosen) >= limit:
                break
            if npc.id not in chosen:
                chosen.append(npc.id)
    return giver.id, tuple(chosen)


def good_cast_preferences(code: str, *, merchant_first: bool) -> tuple[str, ...]:
    consumers, producers = item_professions(code)
    order = (*consumers, *producers)
    if code in NOURISHMENT or code == DRINK:
        order = (*order, "innkeeper")
    if merchant_first:
        order = ("merchant", *order)
    return tuple(dict.fromkeys(order))
