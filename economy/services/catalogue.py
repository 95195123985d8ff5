"""Writes the SRD item catalogue into economy.models.Item."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from economy.catalogue import (
    DEFAULT_EQUIPMENT_PATH,
    DEFAULT_TABLE_PATH,
    CatalogueError,
    CatalogueItem,
    load_catalogue,
)
from economy.models import Item

ITEM_INVALID = "item {code!r} is invalid: {errors}"

# Every Item field the catalogue owns; `code` is the key.
ITEM_FIELDS: tuple[str, ...] = (
    "name",
    "category",
    "unit",
    "base_price",
    "weight",
    "source",
    "is_food",
    "nourishment",
    "data",
)


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    unchanged: int
    by_source: dict[str, int] = field(default_factory=dict)  # catalogue items per Item.Source
    skipped_free: tuple[str, ...] = ()  # SRD codes without a price

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _to_item(entry: CatalogueItem) -> Item:
    values = asdict(entry)
    item = Item(code=values.pop("code"), **{name: values[name] for name in ITEM_FIELDS})
    try:
        item.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
        raise CatalogueError(ITEM_INVALID.format(code=entry.code, errors=errors)) from exc
    return item


@transaction.atomic
def items_import(
    *, equipment_path: str | Path = DEFAULT_EQUIPMENT_PATH, table_path: str | Path = DEFAULT_TABLE_PATH
) -> ImportCounts:
    """Creates or updates one Item per catalogue entry; running it twice changes nothing.

    Raises CatalogueError before any write when a file (or an entry) is bad. Items that are
    in the database but no longer in the files are left alone: market stocks protect them.
    """
    catalogue = load_catalogue(equipment_path=equipment_path, table_path=table_path)
    wanted = [_to_item(entry) for entry in catalogue.items]
    existing = {
        row["code"]: tuple(row[name] for name in ITEM_FIELDS)
        for row in Item.objects.filter(code__in=[item.code for item in wanted]).values("code", *ITEM_FIELDS)
    }
    to_write = [
        item
        for item in wanted
        if existing.get(item.code) != tuple(getattr(item, name) for name in ITEM_FIELDS)
    ]
    if to_write:
        # An upsert keyed by code, so a concurrent import cannot trip the unique constraint.
        Item.objects.bulk_create(
            to_write,
            batch_size=200,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=list(ITEM_FIELDS),
        )
    created = sum(1 for item in to_write if item.code not in existing)
    return ImportCounts(
        created=created,
        updated=len(to_write) - created,
        unchanged=len(wanted) - len(to_write),
        by_source=dict(Counter(item.source for item in wanted)),
        skipped_free=tuple(catalogue.skipped_free),
    )
