"""Which troubles come first, and how many new ones a scan may raise. No ORM here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from .snapshot import KINDS, HookCandidate

# --- Caps ---------------------------------------------------------------------------------

MAX_NEW_HOOKS_PER_SCAN = 20
MAX_NEW_HOOKS_PER_KIND = 6
MAX_NEW_HOOKS_PER_SETTLEMENT = 2
MAX_OPEN_HOOKS_PER_KIND = 15  # the GM's list: once a kind is full, a new one must outrank an open one


def rank(candidates: Iterable[HookCandidate]) -> list[HookCandidate]:
    """Most pressing first; ties in a stable order (kind, then key)."""
    return sorted(candidates, key=lambda c: (-c.severity, KINDS.index(c.kind), c.key))


@dataclass
class NewHooks:
    picked: list[HookCandidate]  # in rank order
    # kind -> how many of the least pressing open hooks of that kind make way for them
    displace: dict[str, int] = field(default_factory=dict)


def hooks_pick_new(
    candidates: Sequence[HookCandidate],
    *,
    known_keys: Collection[str] = frozenset(),
    open_hooks: Iterable[tuple[str, int]] = (),
    limit: int = MAX_NEW_HOOKS_PER_SCAN,
    per_kind: int = MAX_NEW_HOOKS_PER_KIND,
    per_settlement: int = MAX_NEW_HOOKS_PER_SETTLEMENT,
    max_open_per_kind: int = MAX_OPEN_HOOKS_PER_KIND,
) -> NewHooks:
    """The new troubles one scan may raise (`known_keys`: troubles already open or drafted).

    In rank order, at most `limit` in all, `per_kind` of a kind and `per_settlement` at a
    place. Open hooks (`open_hooks`: their (kind, severity)) stay at most `max_open_per_kind`
    of each kind: once a kind is full, a new trouble of that kind gets in only by displacing
    a strictly less pressing open one. So the GM's list holds the most pressing troubles of
    every kind, rather than the oldest, or shortages only.
    """
    lowest: dict[str, list[int]] = defaultdict(list)
    for kind, severity in open_hooks:
        lowest[kind].append(severity)
    for severities in lowest.values():
        severities.sort()
    free = {kind: max(0, max_open_per_kind - len(lowest[kind])) for kind in KINDS}
    displace: dict[str, int] = defaultdict(int)
    kinds: dict[str, int] = defaultdict(int)
    places: dict[int | None, int] = defaultdict(int)
    picked = []
    for candidate in rank(candidates):
        kind = candidate.kind
        if len(picked) >= limit:
            break
        if candidate.key in known_keys or kinds[kind] >= per_kind:
            continue
        if candidate.settlement_id is not None and places[candidate.settlement_id] >= per_settlement:
            continue
        if free.get(kind, 0) > 0:
            free[kind] -= 1
        elif displace[kind] < len(lowest[kind]) and lowest[kind][displace[kind]] < candidate.severity:
            displace[kind] += 1
        else:
            continue  # this kind is full of troubles at least as pressing
        picked.append(candidate)
        kinds[kind] += 1
        places[candidate.settlement_id] += 1
    return NewHooks(picked=picked, displace={k: n for k, n in displace.items() if n})
