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


def chronicle_record_many(
    entries: list[tuple[ChronicleEntry, Iterable[ChronicleEntry | int]]],
) -> list[ChronicleEntry]:
    """Write many unsaved entries, each with its causes, in two INSERTs (for a tick's worth of news)."""
    if not entries:
        return []
    saved = ChronicleEntry.objects.bulk_create([entry for entry, _ in entries])
    through = ChronicleEntry.causes.through
    links = [
        through(from_chronicleentry_id=entry.pk, to_chronicleentry_id=getattr(cause, "pk", cause))
        for entry, (_, causes) in zip(saved, entries, strict=True)
        for cause in causes
    ]
    through.objects.bulk_create(links, ignore_conflicts=True)
    return saved
