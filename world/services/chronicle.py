"""Writes to the world's chronicle: every system records what happened and why here."""

from __future__ import annotations

from collections.abc import Iterable

from world.models import ChronicleEntry, Region, Settlement, World


def chronicle_record(
    *,
    world: World,
    tick: int,
    kind: str,
    text: str,
    data: dict | None = None,
    region: Region | None = None,
    settlement: Settlement | None = None,
    causes: Iterable[ChronicleEntry | int] = (),
) -> ChronicleEntry:
    entry = ChronicleEntry(
        world=world, tick=tick, kind=kind, text=text, data=data or {}, region=region, settlement=settlement
    )
    entry.full_clean(exclude=["causes"])
    entry.save()
    causes = list(causes)
    if causes:
        entry.causes.set(causes)
    return entry
