"""`import_world` and world.services.importing against the real database."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.db.models import F

from economy.goods import MARKET_GOODS
from economy.models import Market
from npcs.models import Npc
from npcs.population import npc_count
from tests.factories import make_item
from tests.world.fixtures.synthetic import tiny_export, to_bytes
from world import azgaar
from world.models import ChronicleEntry, Faction, FactionRelation, Region, Route, Settlement, Stance, World
from world.services.importing import (
    ALREADY_IMPORTED,
    PEOPLE_PER_NPC_TOO_SMALL,
    PEOPLE_PER_TREASURY_COPPER,
    WorldImportError,
    world_import_azgaar,
)

pytestmark = pytest.mark.django_db

MONES_SHA256 = "d511493fd31360bfc143c078113923e6010c6d3baed9b1b7b88298add4b316c5"


@pytest.fixture(scope="module")
def mones_data(mones_path) -> dict:
    return json.loads(mones_path.read_bytes())


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_world", str(path), *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def table_counts() -> dict[str, int]:
    return {
        "worlds": World.objects.count(),
        "factions": Faction.objects.count(),
        "relations": FactionRelation.objects.count(),
        "regions": Region.objects.count(),
        "settlements": Settlement.objects.count(),
        "routes": Route.objects.count(),
        "npcs": Npc.objects.count(),
        "chronicle": ChronicleEntry.objects.count(),
    }


# --- Mones ---------------------------------------------------------------------------------------


def test_import_mones(mones_path, mones_data):
    out = run(mones_path)

    world = World.objects.get()
    assert "Imported Mones from mones.azgaar.json (Azgaar 1.97.05)" in out
    assert (world.name, world.slug, world.source_version, world.seed) == (
        "Mones",
        "mones",
        "1.97.05",
        "766206500",
    )
    assert world.source_sha256 == MONES_SHA256 == hashlib.sha256(mones_path.read_bytes()).hexdigest()
    assert world.source_file == str(mones_path.resolve())
    assert (world.width, world.height) == (round(43 * 42.78, 2), round(23 * 42.78, 2))
    assert world.distance_scale == 0.01
    assert (world.start_year, world.era, world.people_per_npc) == (394, "Khazinb Era", 100)

    pack = mones_data["pack"]
    assert world.factions.count() == len(pack["states"]) == 6
    neutral = world.factions.get(is_neutral=True)
    assert (neutral.source_id, neutral.name) == (0, "Neutrals")
    wickhampia = world.factions.get(source_id=1)
    assert (wickhampia.full_name, wickhampia.form, wickhampia.color) == (
        "Grand Duchy of Wickhampia",
        "Grand Duchy",
        "#66c2a5",
    )

    expected_relations = {
        (i, j, stance)
        for i, state in enumerate(pack["states"])
        if i > 0
        for j, stance in enumerate(state["diplomacy"])
        if stance != "x" and j not in (0, i)
    }
    relations = {
        (r.faction.source_id, r.other.source_id, r.stance)
        for r in FactionRelation.objects.filter(world=world).select_related("faction", "other")
    }
    assert relations == expected_relations and len(relations) == 20
    assert FactionRelation.objects.get(faction__source_id=2, other__source_id=4).stance == Stance.ENEMY

    burgs = [b for b in pack["burgs"][1:] if not b.get("removed")]
    assert world.settlements.count() == len(burgs) == 121
    assert world.regions.filter(kind=Region.Kind.PROVINCE).count() == 22
    neutral_lands = world.regions.get(kind=Region.Kind.STATE)  # only the neutrals lack provinces
    assert (neutral_lands.source_id, neutral_lands.faction) == (0, neutral)
    assert neutral_lands.settlements.count() == 24

    searing = world.settlements.get(source_id=1)
    assert (searing.name, searing.cell, searing.kind, searing.culture) == (
        "Searing",
        312,
        "Naval",
        "Angshire",
    )
    assert (searing.x, searing.y, searing.population) == (394.0, 289.0, 72_475)
    assert searing.treasury == 72_475 // PEOPLE_PER_TREASURY_COPPER == 36_237
    assert searing.is_capital and searing.is_port and searing.has_citadel and searing.has_walls
    assert searing.has_temple and searing.has_plaza and searing.has_shanty
    assert searing.region.name == "Char" and searing.faction == wickhampia
    assert world.settlements.filter(is_port=True).count() == sum(1 for b in burgs if b["port"]) == 21

    entry = world.chronicle.get()
    assert (entry.kind, entry.tick) == (ChronicleEntry.Kind.IMPORT, 0)
    assert entry.data["settlements"] == 121 and entry.data["npcs"] == world.npcs.count()
    assert "121 settlements" in entry.text


def test_mones_routes_run_along_road_cells(mones_path, mones_data):
    run(mones_path)

    cells = mones_data["pack"]["cells"]
    world = World.objects.get()
    burg_cells = set(world.settlements.values_list("cell", flat=True))
    routes = list(world.routes.select_related("a", "b"))
    assert Counter(r.kind for r in routes) == {Route.Kind.ROAD: 255, Route.Kind.SEA: 33}
    for route in routes:
        assert route.a_id < route.b_id
        assert (route.cells[0], route.cells[-1]) == (route.a.cell, route.b.cell)
        assert all(cells[c]["road"] > 0 for c in route.cells)
        assert all(route.cells[i + 1] in cells[route.cells[i]]["c"] for i in range(len(route.cells) - 1))
        assert not burg_cells & set(route.cells[1:-1])
        assert route.distance_km > 0
    shortest = min(routes, key=lambda r: r.distance_km)
    assert shortest.distance_km == pytest.approx(0.096, abs=0.001)  # map units × 0.01 km
    assert {r.a_id for r in routes} | {r.b_id for r in routes} == set(
        world.settlements.values_list("pk", flat=True)
    )


def test_mones_npcs(mones_path):
    run(mones_path)

    world = World.objects.get()
    per_settlement = Counter(Npc.objects.values_list("settlement_id", flat=True))
    expected = {s.pk: npc_count(s.population, 100) for s in world.settlements.all()}
    assert per_settlement == expected
    # the rule: population / people_per_npc rounded half up, at least one
    assert all(
        expected[s.pk] == max(1, math.floor(s.population / 100 + 0.5)) for s in world.settlements.all()
    )
    assert world.npcs.count() == sum(expected.values()) == 10_352
    assert not Npc.objects.exclude(region_id=F("settlement__region_id")).exists()

    for port in world.settlements.filter(is_port=True):
        assert port.npcs.filter(profession="fisher").exists(), port.name
    searing = world.settlements.get(name="Searing")
    professions = Counter(searing.npcs.values_list("profession", flat=True))
    assert professions["baker"] >= 1 and professions["miller"] >= 1 and professions["guard"] == 33
    for settlement in world.settlements.all():
        if expected[settlement.pk] >= 15:
            kinds = set(settlement.npcs.values_list("profession", flat=True))
            assert {"miller", "baker"} <= kinds, settlement.name
    assert set(world.npcs.values_list("food", flat=True)) == {3}
    assert set(world.npcs.values_list("activity", flat=True)) == {"idle"}


def test_people_per_npc_500_gives_fewer_npcs(mones_path):
    run(mones_path, "--people-per-npc", "500")

    world = World.objects.get()
    assert world.people_per_npc == 500
    expected = sum(npc_count(p, 500) for p in world.settlements.values_list("population", flat=True))
    assert world.npcs.count() == expected
    assert 2_000 < expected < 10_352 / 4


def test_importing_again_changes_nothing(mones_path):
    run(mones_path)
    before = table_counts()
    npcs_before = list(Npc.objects.order_by("pk").values_list("pk", "name", "profession"))

    out = run(mones_path)

    assert out.strip() == ALREADY_IMPORTED.format(
        file="mones.azgaar.json", slug="mones", name="Mones", people_per_npc=100
    )
    assert out.strip().endswith("nothing changed.")
    assert table_counts() == before
    assert list(Npc.objects.order_by("pk").values_list("pk", "name", "profession")) == npcs_before


def test_the_same_file_at_another_scale_is_another_world(mones_path):
    run(mones_path)

    run(mones_path, "--people-per-npc", "500")
    run(mones_path, "--people-per-npc", "500")

    worlds = list(World.objects.order_by("pk").values_list("slug", "people_per_npc"))
    assert worlds == [("mones", 100), ("mones-2", 500)]


def test_same_map_name_from_another_file_gets_its_own_slug_and_the_same_people(mones_path, tmp_path):
    run(mones_path)
    copy = write(tmp_path, "mones-copy.json", mones_path.read_bytes() + b"\n")  # other bytes, same map

    run(copy)

    assert list(World.objects.order_by("pk").values_list("slug", flat=True)) == ["mones", "mones-2"]
    first, second = World.objects.order_by("pk")
    assert first.npcs.count() == second.npcs.count()
    names = [
        list(w.npcs.order_by("pk").values_list("name", "profession", "age", "purse")) for w in (first, second)
    ]
    assert names[0] == names[1]  # same seed and burg ids: the same people


def test_service_result_and_timing(mones_path):
    result = world_import_azgaar(path=mones_path, people_per_npc=100)

    assert result.created
    assert result.counts["settlements"] == 121 and result.counts["npcs"] == 10_352
    assert result.counts["routes_road"] == 255 and result.counts["routes_sea"] == 33
    assert result.seconds < 20  # about a second on a laptop; generous for busy CI machines
    again = world_import_azgaar(path=mones_path)
    assert not again.created and again.world == result.world and again.counts == result.counts


def test_people_per_npc_must_be_positive(mones_path):
    with pytest.raises(WorldImportError) as caught:
        world_import_azgaar(path=mones_path, people_per_npc=0)
    assert str(caught.value) == PEOPLE_PER_NPC_TOO_SMALL.format(value=0)
    with pytest.raises(CommandError, match="at least 1"):
        run(mones_path, "--people-per-npc", "0")
    assert World.objects.count() == 0


def test_markets_open_when_items_were_imported_first(mones_path):
    for code in MARKET_GOODS:
        make_item(code=code, base_price=5)

    run(mones_path)

    world = World.objects.get()
    assert Market.objects.filter(world=world).count() == 121
    assert world.chronicle.filter(kind=ChronicleEntry.Kind.ECONOMY).exists()


def test_no_markets_without_items(mones_path):
    run(mones_path)
    assert Market.objects.count() == 0


def test_unknown_stances_become_unknown(mones_data, tmp_path):
    data = json.loads(json.dumps(mones_data))
    data["pack"]["states"][1]["diplomacy"][2] = "Tributary"
    data["pack"]["states"][2]["diplomacy"][1] = "enemy"  # case does not matter
    run(write(tmp_path, "stances.json", to_bytes(data)))

    assert FactionRelation.objects.get(faction__source_id=1, other__source_id=2).stance == Stance.UNKNOWN
    assert FactionRelation.objects.get(faction__source_id=2, other__source_id=1).stance == Stance.ENEMY


# --- Other export shapes ---------------------------------------------------------------------------


def test_reduced_export_without_cells_imports_with_trails(mones_data, tmp_path):
    data = json.loads(json.dumps(mones_data))
    del data["pack"]["cells"]
    run(write(tmp_path, "reduced.json", to_bytes(data)))

    world = World.objects.get()
    assert world.settlements.count() == 121
    assert world.regions.count() == 23
    routes = list(world.routes.all())
    assert routes and all(r.kind == Route.Kind.TRAIL and r.cells == [] for r in routes)
    linked = Counter()
    for r in routes:
        linked[r.a_id] += 1
        linked[r.b_id] += 1
    assert len(linked) == 121 and min(linked.values()) >= 2
    a, b = routes[0].a, routes[0].b
    assert routes[0].distance_km == pytest.approx(
        ((a.x - b.x) ** 2 + (a.y - b.y) ** 2) ** 0.5 * 0.01, abs=0.001
    )


def test_export_with_pack_routes_uses_them(tmp_path):
    road = {"i": 0, "group": "roads", "points": [[0, 0, 0], [10, 0, 1], [20, 0, 2]]}
    sea = {"i": 1, "group": "searoutes", "points": [[20, 0, 2], [30, 0, 3], [40, 0, 4]]}
    run(write(tmp_path, "tiny.json", to_bytes(tiny_export(routes=[road, sea]))))

    world = World.objects.get()
    assert (world.name, world.slug, world.distance_scale, world.start_year) == (
        "Tiny Isle",
        "tiny-isle",
        2.0,
        12,
    )
    routes = [
        (r.a.name, r.b.name, r.kind, r.distance_km, r.cells)
        for r in world.routes.select_related("a", "b").order_by("a__source_id")
    ]
    assert routes == [("Burg1", "Burg2", "road", 40.0, [0, 1, 2]), ("Burg2", "Burg3", "sea", 40.0, [2, 3, 4])]
    region = world.regions.get()
    assert (region.kind, region.name, region.faction.name) == ("state", "Testia", "Testia")
    assert FactionRelation.objects.count() == 0  # Testia's only entries are "x"
    assert list(world.settlements.values_list("population", flat=True)) == [1500, 1500, 1500]
    assert world.npcs.count() == 3 * npc_count(1500, 100)


# --- Broken files --------------------------------------------------------------------------------


def _mones_edit(change):
    def build(mones_raw: bytes) -> bytes:
        data = json.loads(mones_raw)
        change(data)
        return json.dumps(data).encode()

    return build


BROKEN = {
    "not-json": (
        lambda raw: b"<html>not json</html>",
        "mones.json: not valid JSON (Expecting value at line 1, column 1)",
    ),
    "truncated": (lambda raw: raw[: len(raw) // 2], "mones.json: the JSON ends unexpectedly at line"),
    "array": (
        lambda raw: b"[]",
        "mones.json: not an Azgaar export: the top level must be a JSON object, got a list",
    ),
    "no-pack": (_mones_edit(lambda d: d.pop("pack")), "mones.json: pack is missing"),
    "no-burgs": (_mones_edit(lambda d: d["pack"].pop("burgs")), "mones.json: pack.burgs is missing"),
    "burg-x": (
        _mones_edit(lambda d: d["pack"]["burgs"][12].update(x="abc")),
        'mones.json: pack.burgs[12].x must be a number, got "abc"',
    ),
    "states-not-list": (
        _mones_edit(lambda d: d["pack"].update(states={"0": "Neutrals"})),
        "mones.json: pack.states must be a list, got an object",
    ),
    "state-without-name": (
        _mones_edit(lambda d: d["pack"]["states"][3].pop("name")),
        "mones.json: pack.states[3].name is missing",
    ),
    "empty": (lambda raw: b"", "mones.json: the file is empty"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_stop_with_one_line_and_write_nothing(case, mones_path, tmp_path):
    build, expected = BROKEN[case]
    path = write(tmp_path, "mones.json", build(mones_path.read_bytes()))

    with pytest.raises(CommandError) as caught:
        run(path)

    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message
    assert table_counts() == dict.fromkeys(table_counts(), 0)


def test_missing_path(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(CommandError) as caught:
        run(missing)
    assert str(caught.value) == azgaar.FILE_NOT_FOUND.format(file=missing) == f"{missing}: no such file"
    assert World.objects.count() == 0


def test_broken_files_leave_an_imported_world_untouched(mones_path, tmp_path):
    run(mones_path)
    before = table_counts()
    searing = Settlement.objects.get(name="Searing")

    for _case, (build, _expected) in sorted(BROKEN.items()):
        path = write(tmp_path, "mones.json", build(mones_path.read_bytes()))
        with pytest.raises(CommandError, match=r"^mones\.json: "):
            run(path)

    assert table_counts() == before
    searing.refresh_from_db()
    assert (searing.population, searing.treasury) == (72_475, 36_237)


def test_exit_code_and_one_line_on_stderr(tmp_path, capsys):
    path = write(tmp_path, "mones.json", b"{")
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "import_world", str(path)]).execute()
    assert exited.value.code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "CommandError: mones.json: the JSON ends unexpectedly at line 1 (truncated file?)"
    ]
