"""The SRD price lists: parsing (pure), the import service and the import_items command."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from economy import catalogue
from economy.catalogue import (
    BAD_COST,
    FILE_MISSING,
    NOT_A_LIST,
    RECORD_MISSING_FIELD,
    TABLE_BAD_COST,
    TABLE_MISSING_COLUMNS,
    CatalogueError,
    load_catalogue,
    price_in_copper,
)
from economy.goods import MARKET_GOODS
from economy.models import Item, Market, MarketStock
from economy.services.catalogue import items_import
from tests.factories import make_npc, make_region, make_settlement, make_world

FREE_SRD_ITEMS = [
    "alms-box",
    "block-of-incense",
    "censer",
    "little-bag-of-sand",
    "small-knife",
    "string-10-feet",
    "vestments",
]


@pytest.fixture
def shipped(data_dir: Path) -> tuple[Path, Path]:
    return data_dir / "srd" / "5e-SRD-Equipment.json", data_dir / "srd" / "trade-goods-and-services.csv"


def write_equipment(path: Path, records) -> Path:
    path.write_text(json.dumps(records))
    return path


def write_table(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


EQUIPMENT = [
    {
        "index": "iron",
        "name": "Iron Pot",
        "equipment_category": {"name": "Adventuring Gear"},
        "cost": {"quantity": 2, "unit": "ep"},
        "weight": 10,
    },
    {
        "index": "crown",
        "name": "Crown",
        "equipment_category": {"name": "Adventuring Gear"},
        "cost": {"quantity": 3, "unit": "pp"},
    },
    {"index": "pebble", "name": "Pebble", "cost": {"quantity": 0, "unit": "cp"}, "weight": 0.25},
]
TABLE = "table,goods,unit,cost_cp\ntrade goods,iron,1 lb,10\nfood,ale,1 gallon,20\nfood,ale,1 mug,4\n"


# --- pure parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit", "copper"),
    [
        (7, "cp", 7),
        (3, "sp", 30),
        (2, "ep", 100),
        (5, "gp", 500),
        (2, "pp", 2000),
        (0, "gp", 0),
    ],
)
def test_price_in_copper_converts_every_coin(quantity, unit, copper):
    assert price_in_copper(quantity=quantity, unit=unit) == copper


def test_shipped_catalogue_has_every_priced_srd_item_and_the_extra_goods(shipped):
    equipment, table = shipped

    result = load_catalogue(equipment_path=equipment, table_path=table)

    by_source = {}
    for item in result.items:
        by_source[item.source] = by_source.get(item.source, 0) + 1
    assert by_source == {"srd-equipment": 230, "srd-table": 56, "gmconsole": 1}
    assert result.skipped_free == FREE_SRD_ITEMS
    assert len({item.code for item in result.items}) == 287
    assert set(MARKET_GOODS) <= {item.code for item in result.items}


def test_shipped_catalogue_keeps_prices_units_weights_and_categories(shipped):
    equipment, table = shipped

    items = {item.code: item for item in load_catalogue(equipment_path=equipment, table_path=table).items}

    hammer = items["hammer"]
    assert (hammer.name, hammer.base_price, hammer.unit, hammer.weight, hammer.category) == (
        "Hammer",
        100,
        "1",
        3.0,
        "Adventuring Gear",
    )
    assert hammer.data["url"] == "/api/2014/equipment/hammer"
    assert (items["rations-1-day"].base_price, items["rations-1-day"].weight) == (50, 2.0)
    assert (items["arrow"].unit, items["arrow"].base_price) == ("20", 100)
    assert items["club"].base_price == 10  # 1 sp
    assert items["horse-riding"].weight is None
    assert (items["ale-gallon"].name, items["ale-gallon"].base_price, items["ale-gallon"].unit) == (
        "Ale (1 gallon)",
        20,
        "1 gallon",
    )
    assert (items["ale-mug"].name, items["ale-mug"].base_price) == ("Ale (1 mug)", 4)
    assert (items["wheat"].category, items["wheat"].unit, items["wheat"].weight) == (
        "trade goods",
        "1 lb",
        1.0,
    )
    assert items["ships-passage"].base_price == 10
    assert items["wine-common"].data == {
        "table": "food drink lodging",
        "goods": "wine (common)",
        "unit": "1 pitcher",
        "cost_cp": "20",
    }
    assert (items["fish"].source, items["fish"].base_price, items["fish"].unit) == ("gmconsole", 3, "1 fish")


def test_foods_are_marked_with_their_nourishment(shipped):
    equipment, table = shipped

    items = {item.code: item for item in load_catalogue(equipment_path=equipment, table_path=table).items}

    assert {code: items[code].nourishment for code in items if items[code].is_food} == {
        "bread": 30,
        "cheese": 35,
        "fish": 30,
        "meat": 50,
        "wheat": 20,
    }
    assert items["ale-mug"].is_food is False


def test_table_rows_colliding_with_equipment_get_a_suffix_and_repeats_get_their_unit(tmp_path):
    equipment = write_equipment(tmp_path / "eq.json", EQUIPMENT)
    table = write_table(tmp_path / "t.csv", TABLE)

    result = load_catalogue(equipment_path=equipment, table_path=table)

    items = {item.code: item for item in result.items}
    assert (items["iron"].name, items["iron"].base_price, items["iron"].source) == (
        "Iron Pot",
        100,
        "srd-equipment",
    )
    assert (items["iron-goods"].name, items["iron-goods"].base_price) == ("Iron", 10)
    assert items["crown"].base_price == 3000
    assert {"ale-gallon", "ale-mug"} <= set(items)
    assert result.skipped_free == ["pebble"]


def test_missing_file_is_one_clear_line(tmp_path, shipped):
    missing = tmp_path / "nope.json"

    with pytest.raises(CatalogueError) as exc:
        load_catalogue(equipment_path=missing, table_path=shipped[1])

    assert str(exc.value) == FILE_MISSING.format(path=missing)


def test_equipment_that_is_not_json_is_rejected(tmp_path, shipped):
    bad = tmp_path / "eq.json"
    bad.write_text('[{"index": "club",')

    with pytest.raises(CatalogueError) as exc:
        load_catalogue(equipment_path=bad, table_path=shipped[1])

    assert str(exc.value).startswith(f"{bad}: not valid JSON (line 1, column 19")
    assert "\n" not in str(exc.value)


def test_equipment_that_is_not_a_list_is_rejected(tmp_path, shipped):
    bad = write_equipment(tmp_path / "eq.json", {"results": []})

    with pytest.raises(CatalogueError) as exc:
        load_catalogue(equipment_path=bad, table_path=shipped[1])

    assert str(exc.value) == NOT_A_LIST.format(path=bad, kind="dict")


def test_equipment_item_without_cost_is_rejected(tmp_path, shipped):
    bad = write_equipment(tmp_path / "eq.json", [EQUIPMENT[0], {"index": "rope", "name": "Rope"}])

    with pytest.raises(CatalogueError) as exc:
        load_catalogue(equipment_path=bad, table_path=shipped[1])

    assert str(exc.value) == RECORD_MISSING_FIELD.format(path=bad, number=2, code="rope", field="cost")


def test_equipment_cost_in_an_unknown_coin_is_rejected(tmp_path, shipped):
    cost = {"quantity": 1, "unit": "doubloon"}
    bad = write_equipment(tmp_path / "eq.json", [{"index": "rope", "name": "Rope", "cost": cost}])

    with pytest.raises(CatalogueError) as exc:
        load_catalogue(equipment_path=bad, table_path=shipped[1])

    assert str(exc.value) == BAD_COST.format(path=bad, number=1, code="rope", cost=json.dumps(cost))


def test_table_without_its_columns_is_rejected(tmp_path, shipped):
    bad = write_table(tmp_path / "t.csv", "table,goods,price\ntrade goods,wheat,1\n")

    with pytest.raises(CatalogueError) as exc:
        load_catalogue(equipment_path=shipped[0], table_path=bad)

    assert str(exc.value) == TABLE_MISSING_COLUMNS.format(path=bad, columns="unit,cost_cp")


def test_table_cost_that_is_not_whole_copper_is_rejected(tmp_path, shipped):
    bad = write_table(
        tmp_path / "t.csv", "table,goods,unit,cost_cp\ntrade goods,wheat,1 lb,1\ntrade goods,salt,1 lb,0.5\n"
    )

    with pytest.raises(CatalogueError) as exc:
        load_catalogue(equipment_path=shipped[0], table_path=bad)

    assert str(exc.value) == TABLE_BAD_COST.format(path=bad, line=3, goods="salt", value="0.5")


# --- the import service ---------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_every_item_with_its_price(shipped):
    counts = items_import(equipment_path=shipped[0], table_path=shipped[1])

    assert (counts.created, counts.updated, counts.unchanged) == (287, 0, 0)
    assert counts.by_source == {"srd-equipment": 230, "srd-table": 56, "gmconsole": 1}
    assert counts.skipped_free == tuple(FREE_SRD_ITEMS)
    assert Item.objects.count() == 287
    assert Item.objects.filter(source=Item.Source.SRD_EQUIPMENT).count() == 230
    assert Item.objects.filter(source=Item.Source.SRD_TABLE).count() == 56
    hammer = Item.objects.get(code="hammer")
    assert (hammer.base_price, hammer.unit, hammer.weight, hammer.category) == (
        100,
        "1",
        3.0,
        "Adventuring Gear",
    )
    bread = Item.objects.get(code="bread")
    assert (bread.base_price, bread.is_food, bread.nourishment, bread.category) == (
        2,
        True,
        30,
        "food drink lodging",
    )
    assert Item.objects.get(code="fish").source == Item.Source.GMCONSOLE
    assert not Item.objects.filter(code__in=FREE_SRD_ITEMS).exists()


@pytest.mark.django_db
def test_import_twice_changes_nothing(shipped):
    items_import(equipment_path=shipped[0], table_path=shipped[1])
    before = list(Item.objects.order_by("code").values())

    counts = items_import(equipment_path=shipped[0], table_path=shipped[1])

    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 287)
    assert list(Item.objects.order_by("code").values()) == before


@pytest.mark.django_db
def test_import_updates_an_item_whose_price_changed(tmp_path, shipped):
    items_import(equipment_path=shipped[0], table_path=shipped[1])
    hammer_pk = Item.objects.get(code="hammer").pk
    records = json.loads(shipped[0].read_text())
    next(r for r in records if r["index"] == "hammer")["cost"] = {"quantity": 3, "unit": "gp"}
    changed = write_equipment(tmp_path / "eq.json", records)

    counts = items_import(equipment_path=changed, table_path=shipped[1])

    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 286)
    hammer = Item.objects.get(code="hammer")
    assert (hammer.pk, hammer.base_price, hammer.data["cost"]) == (
        hammer_pk,
        300,
        {"quantity": 3, "unit": "gp"},
    )


@pytest.mark.django_db
def test_a_bad_file_leaves_the_database_untouched(tmp_path, shipped):
    bad = write_equipment(tmp_path / "eq.json", [{"index": "rope", "name": "Rope"}])

    with pytest.raises(CatalogueError):
        items_import(equipment_path=bad, table_path=shipped[1])

    assert Item.objects.count() == 0


# --- the command ----------------------------------------------------------------


@pytest.mark.django_db
def test_command_imports_the_shipped_files_and_opens_markets_in_new_worlds():
    world = make_world()
    town = make_settlement(region=make_region(world=world))
    make_npc(settlement=town)
    already = make_world()
    other_town = make_settlement(region=make_region(world=already))
    Market.objects.create(world=already, settlement=other_town, region=other_town.region)
    out = StringIO()

    call_command("import_items", stdout=out)

    text = out.getvalue()
    assert (
        "Items: 287 (gmconsole 1, srd-equipment 230, srd-table 56): 287 created, 0 updated, 0 unchanged."
        in text
    )
    assert "Skipped 7 without a price in the SRD: alms-box," in text
    assert f"World {world.slug}: 1 markets opened." in text
    assert already.slug not in text
    assert MarketStock.objects.filter(market__settlement=town).count() == len(MARKET_GOODS)
    assert not MarketStock.objects.filter(market__settlement=other_town).exists()


@pytest.mark.django_db
def test_command_reports_a_bad_file_in_one_line(tmp_path):
    bad = tmp_path / "eq.json"
    bad.write_text("not json at all")

    with pytest.raises(CommandError) as exc:
        call_command("import_items", equipment=str(bad), stdout=StringIO())

    assert str(exc.value) == f"{bad}: not valid JSON (line 1, column 1: Expecting value)"
    assert Item.objects.count() == 0


def test_default_paths_are_the_shipped_files(data_dir):
    assert catalogue.DEFAULT_EQUIPMENT_PATH == data_dir / "srd" / "5e-SRD-Equipment.json"
    assert catalogue.DEFAULT_TABLE_PATH == data_dir / "srd" / "trade-goods-and-services.csv"


def test_source_values_are_those_of_the_item_model():
    assert catalogue.SOURCE_SRD_EQUIPMENT == Item.Source.SRD_EQUIPMENT
    assert catalogue.SOURCE_SRD_TABLE == Item.Source.SRD_TABLE
    assert catalogue.SOURCE_GMCONSOLE == Item.Source.GMCONSOLE
