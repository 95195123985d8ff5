"""The item catalogue read from the shipped SRD price lists, as plain records.

No ORM here: the whole catalogue is parsed (and a bad file rejected with one clear line)
before `economy.services.catalogue.items_import` writes anything.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from economy.goods import EXTRA_GOODS, NOURISHMENT

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "srd"
DEFAULT_EQUIPMENT_PATH = DATA_DIR / "5e-SRD-Equipment.json"
DEFAULT_TABLE_PATH = DATA_DIR / "trade-goods-and-services.csv"

# Values of economy.models.Item.Source (this module stays free of models).
SOURCE_SRD_EQUIPMENT = "srd-equipment"
SOURCE_SRD_TABLE = "srd-table"
SOURCE_GMCONSOLE = "gmconsole"

COPPER_PER_COIN: dict[str, int] = {"cp": 1, "sp": 10, "ep": 50, "gp": 100, "pp": 1000}
TABLE_COLUMNS: tuple[str, ...] = ("table", "goods", "unit", "cost_cp")
# A table row whose code is already an equipment index gets this suffix.
COLLISION_SUFFIX = "-goods"
EXTRA_GOODS_CATEGORY = "trade goods"

FILE_MISSING = "{path}: no such file"
NOT_UTF8 = "{path}: not UTF-8 text"
NOT_JSON = "{path}: not valid JSON (line {line}, column {column}: {reason})"
NOT_A_LIST = "{path}: expected a JSON list of equipment records, found {kind}"
NO_RECORDS = "{path}: no items"
RECORD_NOT_OBJECT = "{path}: record #{number} is not a JSON object"
RECORD_MISSING_FIELD = "{path}: record #{number} ({code}) has no `{field}`"
BAD_INDEX = "{path}: record #{number}: index {index!r} is not a slug"
BAD_COST = "{path}: record #{number} ({code}): cost {cost} is not a whole number of cp, sp, ep, gp or pp"
BAD_WEIGHT = "{path}: record #{number} ({code}): weight {weight!r} is not a number of pounds"
DUPLICATE_INDEX = "{path}: record #{number}: index {code!r} occurs more than once"
TABLE_MISSING_COLUMNS = "{path}: missing column(s) {columns}; the header must be table,goods,unit,cost_cp"
TABLE_EMPTY_FIELD = "{path}: line {line}: empty `{field}`"
TABLE_BAD_COST = "{path}: line {line} ({goods}): cost_cp {value!r} is not a whole number of copper pieces"
TABLE_DUPLICATE_CODE = "{path}: line {line} ({goods}, {unit}): code {code!r} is already taken"


class CatalogueError(ValueError):
    """A price list that cannot be read. The message is one line, fit for a CommandError."""


@dataclass(frozen=True)
class CatalogueItem:
    """One row of economy.models.Item, before it touches the database."""

    code: str
    name: str
    category: str
    unit: str
    base_price: int  # copper pieces, >= 1
    weight: float | None
    source: str
    is_food: bool = False
    nourishment: int = 0
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    items: list[CatalogueItem]
    # SRD codes that cost nothing (pack contents such as `alms-box`): Item.base_price must be >= 1
    # and a 1 cp price would be invented, so they are left out.
    skipped_free: list[str]


def price_in_copper(*, quantity: int, unit: str) -> int:
    """`{quantity, unit}` of the SRD in copper pieces. Raises KeyError for an unknown coin."""
    return quantity * COPPER_PER_COIN[unit]


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_slug(value: Any) -> bool:
    return isinstance(value, str) and value != "" and slugify(value) == value


def equipment_from_records(
    records: Any, *, path: str | Path = "equipment"
) -> tuple[list[CatalogueItem], list[str]]:
    """SRD equipment records -> (priced items, codes skipped because they cost nothing)."""
    if not isinstance(records, list):
        raise CatalogueError(NOT_A_LIST.format(path=path, kind=type(records).__name__))
    if not records:
        raise CatalogueError(NO_RECORDS.format(path=path))
    items: list[CatalogueItem] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise CatalogueError(RECORD_NOT_OBJECT.format(path=path, number=number))
        code = record.get("index", "?")
        for required in ("index", "name", "cost"):
            if required not in record:
                raise CatalogueError(
                    RECORD_MISSING_FIELD.format(path=path, number=number, code=code, field=required)
                )
        if not _is_slug(code):
            raise CatalogueError(BAD_INDEX.format(path=path, number=number, index=code))
        if code in seen:
            raise CatalogueError(DUPLICATE_INDEX.format(path=path, number=number, code=code))
        seen.add(code)
        cost = record["cost"]
        quantity = cost.get("quantity") if isinstance(cost, dict) else None
        coin = cost.get("unit") if isinstance(cost, dict) else None
        if not _is_whole(quantity) or quantity < 0 or coin not in COPPER_PER_COIN:
            raise CatalogueError(BAD_COST.format(path=path, number=number, code=code, cost=json.dumps(cost)))
        weight = record.get("weight")
        if weight is not None and (
            isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0
        ):
            raise CatalogueError(BAD_WEIGHT.format(path=path, number=number, code=code, weight=weight))
        price = price_in_copper(quantity=quantity, unit=coin)
        if price == 0:
            skipped.append(code)
            continue
        bundle = record.get("quantity", 1)
        category = record.get("equipment_category")
        items.append(
            CatalogueItem(
                code=code,
                name=str(record["name"]),
                category=str(category.get("name", "")) if isinstance(category, dict) else "",
                unit=str(bundle),
                base_price=price,
                weight=None if weight is None else float(weight),
                source=SOURCE_SRD_EQUIPMENT,
                data=record,
            )
        )
    return items, skipped


def _unit_slug(unit: str) -> str:
    """`1 gallon` -> `gallon`; `10 lb` -> `10-lb`."""
    return slugify(unit.removeprefix("1 "))


def table_from_rows(
    rows: list[dict[str, str]], *, path: str | Path = "table", taken: frozenset[str] = frozenset()
) -> tuple[list[CatalogueItem], list[str]]:
    """Rows of trade-goods-and-services.csv (with their file line numbers under `_line`)
    -> (priced items, codes skipped because they cost nothing).

    `taken` are the equipment codes: a row whose code is one of them gets COLLISION_SUFFIX.
    """
    if not rows:
        raise CatalogueError(NO_RECORDS.format(path=path))
    for row in rows:
        for column in ("table", "goods", "unit", "cost_cp"):
            if not (row.get(column) or "").strip():
                raise CatalogueError(
                    TABLE_EMPTY_FIELD.format(path=path, line=row.get("_line", "?"), field=column)
                )
    names = [row["goods"].strip().lower() for row in rows]
    repeated = {name for name in names if names.count(name) > 1}
    items: list[CatalogueItem] = []
    skipped: list[str] = []
    codes: set[str] = set()
    for row in rows:
        line = row.get("_line", "?")
        goods, unit, table = row["goods"].strip(), row["unit"].strip(), row["table"].strip()
        raw_cost = row["cost_cp"].strip()
        if not raw_cost.isdigit():
            raise CatalogueError(
                TABLE_BAD_COST.format(path=path, line=line, goods=goods, value=row["cost_cp"])
            )
        code = slugify(goods)
        name = goods[:1].upper() + goods[1:]
        if goods.lower() in repeated:
            code = f"{code}-{_unit_slug(unit)}"
            name = f"{name} ({unit})"
        if code in taken:
            code += COLLISION_SUFFIX
        if not code or code in codes or code in taken:
            raise CatalogueError(
                TABLE_DUPLICATE_CODE.format(path=path, line=line, goods=goods, unit=unit, code=code)
            )
        codes.add(code)
        price = int(raw_cost)
        if price == 0:
            skipped.append(code)
            continue
        data = {key: value for key, value in row.items() if key != "_line"}
        items.append(
            CatalogueItem(
                code=code,
                name=name,
                category=table,
                unit=unit,
                base_price=price,
                weight=1.0 if unit == "1 lb" else None,
                source=SOURCE_SRD_TABLE,
                data=data,
            )
        )
    return items, skipped


def extra_goods() -> list[CatalogueItem]:
    """The goods gmconsole adds because the SRD has none (economy.goods.EXTRA_GOODS)."""
    return [
        CatalogueItem(
            code=code,
            name=name,
            category=EXTRA_GOODS_CATEGORY,
            unit=unit,
            base_price=price,
            weight=None,
            source=SOURCE_GMCONSOLE,
            data={"name": name, "unit": unit, "cost_cp": price},
        )
        for code, (name, unit, price) in EXTRA_GOODS.items()
    ]


def with_food(item: CatalogueItem) -> CatalogueItem:
    """Marks the foods of economy.goods.NOURISHMENT."""
    if item.code in NOURISHMENT:
        return replace(item, is_food=True, nourishment=NOURISHMENT[item.code])
    return item


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise CatalogueError(FILE_MISSING.format(path=path)) from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError(NOT_UTF8.format(path=path)) from exc


def read_equipment(path: str | Path) -> tuple[list[CatalogueItem], list[str]]:
    path = Path(path)
    try:
        records = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            NOT_JSON.format(path=path, line=exc.lineno, column=exc.colno, reason=exc.msg)
        ) from exc
    return equipment_from_records(records, path=path)


def read_table(
    path: str | Path, *, taken: frozenset[str] = frozenset()
) -> tuple[list[CatalogueItem], list[str]]:
    path = Path(path)
    reader = csv.DictReader(_read_text(path).splitlines())
    missing = [column for column in TABLE_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise CatalogueError(TABLE_MISSING_COLUMNS.format(path=path, columns=",".join(missing)))
    rows = []
    for row in reader:
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # a blank line
        rows.append(
            {**{key: value for key, value in row.items() if key in TABLE_COLUMNS}, "_line": reader.line_num}
        )
    return table_from_rows(rows, path=path, taken=taken)


def load_catalogue(
    *, equipment_path: str | Path = DEFAULT_EQUIPMENT_PATH, table_path: str | Path = DEFAULT_TABLE_PATH
) -> Catalogue:
    """Both SRD files plus gmconsole's extra goods. The SRD wins over an extra good of the same code."""
    equipment, skipped_equipment = read_equipment(equipment_path)
    taken = frozenset(item.code for item in equipment) | frozenset(skipped_equipment)
    table, skipped_table = read_table(table_path, taken=taken)
    items = equipment + table
    known = {item.code for item in items} | set(skipped_equipment) | set(skipped_table)
    items += [item for item in extra_goods() if item.code not in known]
    return Catalogue(
        items=[with_food(item) for item in items], skipped_free=skipped_equipment + skipped_table
    )
