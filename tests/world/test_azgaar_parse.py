"""world.azgaar: reading and validating Azgaar exports (pure, no database)."""

from __future__ import annotations

import json

import pytest

from tests.world.fixtures.synthetic import tiny_export, to_bytes
from world import azgaar
from world.azgaar import AzgaarError, burg_people, burg_regions, parse_export, read_export

FILE = "mones.json"


@pytest.fixture(scope="module")
def mones_raw(mones_path) -> bytes:
    return mones_path.read_bytes()


@pytest.fixture(scope="module")
def mones(mones_raw):
    return parse_export(mones_raw, file=FILE)


def broken(mones_raw: bytes, change) -> bytes:
    data = json.loads(mones_raw)
    change(data)
    return json.dumps(data).encode()


def error_of(raw: bytes) -> AzgaarError:
    with pytest.raises(AzgaarError) as caught:
        parse_export(raw, file=FILE)
    return caught.value


# --- The real file ---------------------------------------------------------------------------


def test_mones_world_settings(mones):
    assert mones.name == "Mones"
    assert mones.version == "1.97.05"
    assert mones.seed == "766206500"
    assert mones.distance_scale == 0.01
    assert mones.start_year == 394
    assert mones.era == "Khazinb Era"
    # grid.cellsX × spacing, grid.cellsY × spacing
    assert (mones.width, mones.height) == (round(43 * 42.78, 2), round(23 * 42.78, 2))


def test_mones_tables(mones):
    assert len(mones.states) == 6
    assert mones.states[0].is_neutral and mones.states[0].name == "Neutrals"
    assert mones.states[0].diplomacy == ()  # the neutrals' war history is not read as stances
    assert mones.states[1].name == "Wickhampia"
    assert mones.states[1].full_name == "Grand Duchy of Wickhampia"
    assert mones.states[1].form == "Grand Duchy"
    assert mones.states[1].diplomacy == ("x", "x", "Friendly", "Neutral", "Suspicion", "Neutral")
    assert len(mones.provinces) == 22
    assert [p.source_id for p in mones.provinces] == list(range(1, 23))
    assert len(mones.burgs) == 121
    assert len(mones.cells) == 877
    assert mones.routes is None  # 1.97 has per-cell roads instead


def test_mones_first_burg_and_its_people(mones):
    searing = mones.burgs[0]
    assert (searing.source_id, searing.name, searing.cell) == (1, "Searing", 312)
    assert (searing.x, searing.y) == (394.0, 289.0)
    assert searing.kind == "Naval"
    assert searing.port == 1 and searing.is_capital and searing.has_walls and searing.has_citadel
    assert mones.people(searing) == 72_475
    assert mones.culture_of(searing).name == "Angshire"
    assert mones.culture_of(searing).name_base == "English"
    assert sum(mones.people(b) for b in mones.burgs) == 1_034_559


def test_burg_people_uses_rate_and_urbanization():
    assert burg_people(72.475, 1000, 1) == 72_475
    assert burg_people(1.5, 500, 2) == 1_500
    assert burg_people(0.0004, 1000, 1) == 0


def test_burg_regions_follow_the_cells_province(mones):
    regions = burg_regions(mones)
    assert regions[1] == ("province", 1)  # Searing, Char County
    neutral = [b for b in mones.burgs if b.state == 0]
    assert len(neutral) == 24
    assert all(regions[b.source_id] == ("state", 0) for b in neutral)


def test_reduced_export_places_burgs_by_nearest_province_capital(mones_raw):
    reduced = parse_export(broken(mones_raw, lambda d: d["pack"].pop("cells")), file=FILE)
    regions = burg_regions(reduced)
    assert reduced.cells is None
    assert regions[1] == ("province", 1)  # a province capital is in its own province
    assert all(regions[b.source_id] == ("state", 0) for b in reduced.burgs if b.state == 0)
    provinces = {p.source_id: p for p in reduced.provinces}
    for burg in reduced.burgs:
        kind, ident = regions[burg.source_id]
        if kind == "province":
            assert provinces[ident].state == burg.state


def test_settings_as_numbers_or_strings_and_options_as_json_string():
    data = tiny_export()
    data["settings"] = {"distanceScale": 2.5, "populationRate": "500", "options": json.dumps({"year": 7})}
    world_map = parse_export(to_bytes(data), file=FILE)
    assert world_map.distance_scale == 2.5
    assert world_map.population_rate == 500
    assert world_map.start_year == 7 and world_map.era == ""


def test_missing_settings_fall_back_to_azgaar_defaults():
    data = tiny_export()
    del data["settings"]
    world_map = parse_export(to_bytes(data), file=FILE)
    assert world_map.distance_scale == azgaar.DEFAULT_DISTANCE_SCALE
    assert world_map.population_rate == azgaar.DEFAULT_POPULATION_RATE
    assert world_map.start_year == 1
    # no grid: the extent of the content (cells at x 0..40)
    assert (world_map.width, world_map.height) == (40.0, 0.0)


def test_info_width_and_height_win_when_present():
    data = tiny_export()
    data["info"].update(width=1920, height=1080)
    world_map = parse_export(to_bytes(data), file=FILE)
    assert (world_map.width, world_map.height) == (1920.0, 1080.0)


def test_removed_burgs_and_the_placeholder_are_skipped():
    data = tiny_export()
    data["pack"]["burgs"][2]["removed"] = True
    world_map = parse_export(to_bytes(data), file=FILE)
    assert [b.source_id for b in world_map.burgs] == [1, 3]


def test_read_export_errors(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(AzgaarError) as caught:
        read_export(missing)
    assert str(caught.value) == azgaar.FILE_NOT_FOUND.format(file=missing)
    with pytest.raises(AzgaarError) as caught:
        read_export(tmp_path)
    assert str(caught.value) == azgaar.NOT_A_FILE.format(file=tmp_path)


# --- Broken files: one line naming the problem -------------------------------------------------


def test_empty_and_blank_files():
    assert str(error_of(b"")) == azgaar.EMPTY_FILE.format(file=FILE)
    assert str(error_of(b"  \n ")) == azgaar.EMPTY_FILE.format(file=FILE)


def test_not_json():
    err = error_of(b"name,x,y\nSearing,394,289\n")
    assert str(err) == azgaar.NOT_JSON.format(file=FILE, detail="Expecting value", line=1, column=1)


def test_not_utf8():
    assert str(error_of(b'{"info": "\xff"}')) == azgaar.NOT_UTF8.format(file=FILE, offset=10)


def test_truncated_file(mones_raw):
    half = mones_raw[: len(mones_raw) // 2]
    err = error_of(half)
    assert err.template == azgaar.TRUNCATED
    assert str(err) == azgaar.TRUNCATED.format(file=FILE, line=half.decode().count("\n") + 1)
    assert "\n" not in str(err)


def test_array_instead_of_object():
    assert (
        str(error_of(b"[1, 2]"))
        == f"{FILE}: not an Azgaar export: the top level must be a JSON object, got a list"
    )


def test_object_without_info_or_pack():
    assert str(error_of(b'{"type": "FeatureCollection"}')) == azgaar.NOT_AZGAAR.format(file=FILE)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("pack"), "mones.json: pack is missing"),
        (lambda d: d["pack"].pop("burgs"), "mones.json: pack.burgs is missing"),
        (
            lambda d: d["pack"]["burgs"][12].update(x="abc"),
            'mones.json: pack.burgs[12].x must be a number, got "abc"',
        ),
        (lambda d: d["pack"].update(burgs={"1": {}}), "mones.json: pack.burgs must be a list, got an object"),
        (
            lambda d: d["pack"].update(states="Neutrals"),
            'mones.json: pack.states must be a list, got "Neutrals"',
        ),
        (lambda d: d["pack"]["states"][2].pop("name"), "mones.json: pack.states[2].name is missing"),
        (
            lambda d: d["pack"]["states"][2].update(name=""),
            'mones.json: pack.states[2].name must be a non-empty string, got ""',
        ),
        (lambda d: d["pack"].update(states=[]), azgaar.NO_STATES.format(file=FILE)),
        (lambda d: d["pack"].update(burgs=[{}]), azgaar.NO_BURGS.format(file=FILE)),
        (
            lambda d: d["pack"]["burgs"][5].update(state=9),
            "mones.json: pack.burgs[5].state is 9, but there is no state 9",
        ),
        (
            lambda d: d["pack"]["burgs"][5].update(cell=5000),
            "mones.json: pack.burgs[5].cell is 5000, but there is no cell 5000",
        ),
        (
            lambda d: d["pack"]["burgs"][7].update(population=None),
            "mones.json: pack.burgs[7].population is missing",
        ),
        (
            lambda d: d["pack"]["burgs"][7].update(population=-1),
            "mones.json: pack.burgs[7].population must be a number of 0 or more, got -1",
        ),
        (
            lambda d: d["pack"]["burgs"][3].update(port="yes"),
            'mones.json: pack.burgs[3].port must be a whole number of 0 or more, got "yes"',
        ),
        (
            lambda d: d["pack"]["provinces"][4].update(state=77),
            "mones.json: pack.provinces[4].state is 77, but there is no state 77",
        ),
        (
            lambda d: d["pack"]["states"][3]["diplomacy"].__setitem__(1, 5),
            "mones.json: pack.states[3].diplomacy[1] must be a string, got 5",
        ),
        (
            lambda d: d["pack"]["cells"][40].update(c=[1, "x"]),
            'mones.json: pack.cells[40].c[1] must be a whole number of 0 or more, got "x"',
        ),
        (
            lambda d: d["pack"]["cells"][40].update(c=[1, 9999]),
            "mones.json: pack.cells[40].c[1] is 9999, but there is no cell 9999",
        ),
        (
            lambda d: d["pack"]["cells"][41].update(p=[1]),
            "mones.json: pack.cells[41].p must be an [x, y] pair of numbers, got a list",
        ),
        (
            lambda d: d["settings"].update(distanceScale="far"),
            'mones.json: settings.distanceScale must be a number, got "far"',
        ),
        (
            lambda d: d["settings"].update(distanceScale="0"),
            'mones.json: settings.distanceScale must be greater than 0, got "0"',
        ),
        (
            lambda d: d["settings"]["options"].update(year="soon"),
            'mones.json: settings.options.year must be a number, got "soon"',
        ),
        (
            lambda d: d["pack"].update(routes=[{"group": "roads", "points": [[1, 2]]}]),
            "mones.json: pack.routes[0].points[0] must be an [x, y, cell] point, got a list",
        ),
    ],
)
def test_mistyped_sections_name_the_place(mones_raw, change, expected):
    err = error_of(broken(mones_raw, change))
    assert str(err) == expected


def test_info_is_optional_the_name_then_comes_from_settings_or_the_file():
    data = tiny_export()
    del data["info"]
    assert parse_export(to_bytes(data), file="isle.json").name == "isle"
    data["settings"]["mapName"] = "Isle of Tests"
    world_map = parse_export(to_bytes(data), file="isle.json")
    assert (world_map.name, world_map.version, world_map.seed) == ("Isle of Tests", "", "")
