"""Read an Azgaar Fantasy Map Generator JSON export into plain dataclasses. No ORM here.

Everything the importer needs is checked here, before anything is written, so a bad file
fails with one line that names the file, the place in the JSON and the problem, e.g.
`mones.json: pack.burgs[12].x must be a number, got "abc"`.

Exports differ by generator version (see data/README.md): `pack.routes` exists only in
1.100+, per-cell `road` only before; reduced exports have no `pack.cells`. Sections that
are present are checked strictly; optional ones may be missing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

# --- Messages (tests import these) ----------------------------------------------------
FILE_NOT_FOUND = "{file}: no such file"
NOT_A_FILE = "{file}: not a file"
UNREADABLE = "{file}: cannot be read ({detail})"
EMPTY_FILE = "{file}: the file is empty"
NOT_UTF8 = "{file}: not UTF-8 text (bad byte at offset {offset})"
NOT_JSON = "{file}: not valid JSON ({detail} at line {line}, column {column})"
TRUNCATED = "{file}: the JSON ends unexpectedly at line {line} (truncated file?)"
NOT_AN_OBJECT = "{file}: not an Azgaar export: the top level must be a JSON object, got {got}"
NOT_AZGAAR = '{file}: not an Azgaar Fantasy Map Generator export (no "info" and no "pack" section)'
MISSING = "{file}: {where} is missing"
WRONG_TYPE = "{file}: {where} must be {expected}, got {got}"
NOT_POSITIVE = "{file}: {where} must be greater than 0, got {got}"
OUT_OF_RANGE = "{file}: {where} is {got}, but there is no {what} {got}"
NO_STATES = "{file}: pack.states is empty (even a map without states has the Neutrals at index 0)"
NO_BURGS = "{file}: pack.burgs lists no settlements"

# Azgaar's own defaults when a setting is absent.
DEFAULT_DISTANCE_SCALE = 3.0  # km per map unit
DEFAULT_POPULATION_RATE = 1000.0  # people per population point
DEFAULT_URBANIZATION = 1.0

WATER_HEIGHT = 20  # Azgaar cells with h < 20 are water


class AzgaarError(ValueError):
    """A problem with an export; `str()` is one line naming the file and the problem."""

    def __init__(self, template: str, **fields: Any) -> None:
        self.template = template
        self.fields = fields
        super().__init__(" ".join(template.format(**fields).split()))


# --- The parsed map ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    index: int
    neighbours: tuple[int, ...]
    x: float
    y: float
    height: int
    road: int
    burg: int
    state: int
    province: int
    feature: int
    haven: int

    @property
    def is_water(self) -> bool:
        return self.height < WATER_HEIGHT


@dataclass(frozen=True, slots=True)
class Culture:
    index: int
    name: str
    name_base: str  # the label of its name base ("English", "Elven"...), or ""


@dataclass(frozen=True, slots=True)
class State:
    source_id: int
    name: str
    full_name: str
    form: str
    color: str
    is_neutral: bool
    diplomacy: tuple[str, ...]  # diplomacy[j] = stance towards state j ("x" = none)


@dataclass(frozen=True, slots=True)
class Province:
    source_id: int
    name: str
    full_name: str
    state: int
    color: str
    capital_burg: int  # 0 when none


@dataclass(frozen=True, slots=True)
class Burg:
    source_id: int
    name: str
    cell: int
    x: float
    y: float
    state: int
    culture: int
    population: float  # Azgaar population points (thousands of people at populationRate 1000)
    kind: str
    port: int  # the water feature of its harbour; 0 = not a port
    is_capital: bool
    has_citadel: bool
    has_walls: bool
    has_temple: bool
    has_plaza: bool
    has_shanty: bool


@dataclass(frozen=True, slots=True)
class RoutePath:
    """A route of a 1.100+ export: points are (x, y, cell)."""

    source_id: int
    group: str
    points: tuple[tuple[float, float, int], ...]


@dataclass(frozen=True)
class AzgaarMap:
    file: str
    name: str
    version: str
    seed: str
    width: float
    height: float
    distance_scale: float  # km per map unit
    population_rate: float
    urbanization: float
    start_year: int
    era: str
    states: tuple[State, ...]  # live states only
    provinces: tuple[Province, ...]  # live provinces only
    burgs: tuple[Burg, ...]  # live burgs only, by source id
    cultures: dict[int, Culture]
    cells: tuple[Cell, ...] | None  # None for a reduced export
    routes: tuple[RoutePath, ...] | None  # None before 1.100

    def people(self, burg: Burg) -> int:
        return burg_people(burg.population, self.population_rate, self.urbanization)

    def culture_of(self, burg: Burg) -> Culture | None:
        return self.cultures.get(burg.culture)


def burg_people(points: float, population_rate: float, urbanization: float) -> int:
    """People in a burg, as Azgaar's burg editor shows them: points × populationRate × urbanization.

    (Points are thousands of people when populationRate is 1000: Searing's 72.475 is 72,475.)
    """
    return max(0, math.floor(points * population_rate * urbanization + 0.5))


# --- Reading ----------------------------------------------------------------------------


def read_export(path: Path) -> bytes:
    """The raw bytes of an export file (hashed by the importer, then parsed)."""
    name = path.name or str(path)
    if not path.exists():
        raise AzgaarError(FILE_NOT_FOUND, file=str(path))
    if not path.is_file():
        raise AzgaarError(NOT_A_FILE, file=str(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AzgaarError(UNREADABLE, file=name, detail=exc.strerror or exc.__class__.__name__) from exc
    return raw


def parse_export(raw: bytes, *, file: str) -> AzgaarMap:
    """Decode, validate and convert an export. Raises AzgaarError on the first problem."""
    data = _decode(raw, file)
    return _Parser(file).parse(data)


def _decode(raw: bytes, file: str) -> Any:
    if not raw.strip():
        raise AzgaarError(EMPTY_FILE, file=file)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AzgaarError(NOT_UTF8, file=file, offset=exc.start) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # Ran off the end of the text: the file was cut short (an unterminated string
        # always reaches the end, as JSON strings cannot hold raw newlines).
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise AzgaarError(TRUNCATED, file=file, line=text.count("\n") + 1) from exc
        raise AzgaarError(NOT_JSON, file=file, detail=exc.msg, line=exc.lineno, column=exc.colno) from exc


def describe(value: Any) -> str:
    """A short JSON-ish rendering of a bad value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 40 else text[:36] + '..."'
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_REQUIRED = object()


class _Parser:
    def __init__(self, file: str) -> None:
        self.file = file

    # -- primitive checks ---------------------------------------------------------------

    def fail(self, template: str, **fields: Any) -> NoReturn:
        raise AzgaarError(template, file=self.file, **fields)

    def wrong(self, where: str, expected: str, value: Any) -> NoReturn:
        self.fail(WRONG_TYPE, where=where, expected=expected, got=describe(value))

    def get(self, obj: dict, key: str, where: str, default: Any = _REQUIRED) -> Any:
        """`obj[key]`; a missing or null value is `default`, or an error when required."""
        value = obj.get(key)
        if value is None:
            if default is _REQUIRED:
                self.fail(MISSING, where=f"{where}.{key}" if where else key)
            return default
        return value

    def obj(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            self.wrong(where, "an object", value)
        return value

    def lst(self, value: Any, where: str) -> list:
        if not isinstance(value, list):
            self.wrong(where, "a list", value)
        return value

    def number(
        self, obj: dict, key: str, where: str, default: Any = _REQUIRED, *, text_ok: bool = False
    ) -> float:
        """A JSON number; with `text_ok`, also a numeric string (Azgaar keeps settings as strings)."""
        if obj.get(key) is None:
            return self.get(obj, key, where, default)
        value = obj[key]
        if _is_number(value):
            return float(value)
        if text_ok and isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if math.isfinite(number):
                return number
        self.wrong(f"{where}.{key}", "a number", value)

    def integer(self, obj: dict, key: str, where: str, default: Any = _REQUIRED) -> int:
        if obj.get(key) is None:
            return self.get(obj, key, where, default)
        return self.as_int(obj[key], f"{where}.{key}")

    def as_int(self, value: Any, where: str) -> int:
        if not _is_number(value) or value != int(value) or value < 0:
            self.wrong(where, "a whole number of 0 or more", value)
        return int(value)

    def text(self, obj: dict, key: str, where: str, default: Any = _REQUIRED) -> str:
        if obj.get(key) is None:
            return self.get(obj, key, where, default)
        value = obj[key]
        if not isinstance(value, str):
            self.wrong(f"{where}.{key}", "a string", value)
        return value.strip()

    def flag(self, obj: dict, key: str, where: str) -> int:
        """Azgaar flags are 0/1 (or a feature id for `port`); booleans are accepted too."""
        value = obj.get(key)
        if value is None:
            return 0
        if isinstance(value, bool):
            return int(value)
        return self.as_int(value, f"{where}.{key}")

    def index(self, value: int, where: str, what: str, live: Callable[[int], bool]) -> int:
        if not live(value):
            self.fail(OUT_OF_RANGE, where=where, got=value, what=what)
        return value

    # -- sections -------------------------------------------------------------------------

    def parse(self, data: Any) -> AzgaarMap:
        if not isinstance(data, dict):
            self.fail(NOT_AN_OBJECT, got="a list" if isinstance(data, list) else describe(data))
        if "info" not in data and "pack" not in data:
            self.fail(NOT_AZGAAR)
        info = self.obj(data.get("info") or {}, "info")  # only names and versions: optional
        pack = self.obj(self.get(data, "pack", ""), "pack")
        settings = self.obj(data.get("settings") or {}, "settings")

        cells = self.cells(pack["cells"]) if pack.get("cells") is not None else None
        cultures = self.cultures(pack, data)
        states = self.states(self.get(pack, "states", "pack"))
        live_states = {s.source_id for s in states}
        provinces = self.provinces(pack.get("provinces") or [], live_states)
        burgs = self.burgs(self.get(pack, "burgs", "pack"), live_states, cells)
        routes = self.routes(pack["routes"], cells) if pack.get("routes") is not None else None

        scale = self.number(settings, "distanceScale", "settings", DEFAULT_DISTANCE_SCALE, text_ok=True)
        if scale <= 0:
            self.fail(NOT_POSITIVE, where="settings.distanceScale", got=describe(settings["distanceScale"]))
        rate = self.number(settings, "populationRate", "settings", DEFAULT_POPULATION_RATE, text_ok=True)
        if rate <= 0:
            self.fail(NOT_POSITIVE, where="settings.populationRate", got=describe(settings["populationRate"]))
        urbanization = self.number(settings, "urbanization", "settings", DEFAULT_URBANIZATION, text_ok=True)
        if urbanization <= 0:
            self.fail(NOT_POSITIVE, where="settings.urbanization", got=describe(settings["urbanization"]))
        year, era = self.calendar(settings)
        name = self.text(info, "mapName", "info", "") or self.text(settings, "mapName", "settings", "")
        seed = info.get("seed") or (data.get("grid") or {}).get("seed") or ""
        width, height = self.extent(data, info, cells, burgs)
        return AzgaarMap(
            file=self.file,
            name=name or Path(self.file).stem.split(".")[0] or "World",
            version=str(info.get("version") or ""),
            seed=str(seed),
            width=width,
            height=height,
            distance_scale=scale,
            population_rate=rate,
            urbanization=urbanization,
            start_year=year,
            era=era,
            states=states,
            provinces=provinces,
            burgs=burgs,
            cultures=cultures,
            cells=cells,
            routes=routes,
        )

    def cells(self, raw: Any) -> tuple[Cell, ...]:
        rows = self.lst(raw, "pack.cells")
        count = len(rows)
        cells = []
        for i, row in enumerate(rows):
            where = f"pack.cells[{i}]"
            row = self.obj(row, where)
            neighbours = self.lst(self.get(row, "c", where), f"{where}.c")
            for k, n in enumerate(neighbours):
                self.as_int(n, f"{where}.c[{k}]")
                if n >= count:
                    self.fail(OUT_OF_RANGE, where=f"{where}.c[{k}]", got=n, what="cell")
            centre = self.lst(self.get(row, "p", where), f"{where}.p")
            if len(centre) < 2 or not all(_is_number(v) for v in centre[:2]):
                self.wrong(f"{where}.p", "an [x, y] pair of numbers", centre)
            cells.append(
                Cell(
                    index=i,
                    neighbours=tuple(int(n) for n in neighbours),
                    x=float(centre[0]),
                    y=float(centre[1]),
                    height=int(self.number(row, "h", where)),
                    road=self.integer(row, "road", where, 0),
                    burg=self.integer(row, "burg", where, 0),
                    state=self.integer(row, "state", where, 0),
                    province=self.integer(row, "province", where, 0),
                    feature=self.integer(row, "f", where, 0),
                    haven=self.integer(row, "haven", where, 0),
                )
            )
        return tuple(cells)

    def cultures(self, pack: dict, data: dict) -> dict[int, Culture]:
        # Name-base labels only pick a flavour for NPC names: a malformed table is ignored.
        bases = data.get("nameBases") if isinstance(data.get("nameBases"), list) else []
        labels = {
            i: b["name"]
            for i, b in enumerate(bases)
            if isinstance(b, dict) and isinstance(b.get("name"), str)
        }
        cultures = {}
        for i, row in enumerate(self.lst(pack.get("cultures") or [], "pack.cultures")):
            if not isinstance(row, dict) or row.get("removed"):
                continue
            where = f"pack.cultures[{i}]"
            base = row.get("base")
            label = labels.get(base, "") if isinstance(base, int) and not isinstance(base, bool) else ""
            cultures[i] = Culture(index=i, name=self.text(row, "name", where, ""), name_base=label)
        return cultures

    def states(self, raw: Any) -> tuple[State, ...]:
        rows = self.lst(raw, "pack.states")
        if not rows:
            self.fail(NO_STATES)
        states = []
        for i, row in enumerate(rows):
            where = f"pack.states[{i}]"
            row = self.obj(row, where)
            if row.get("removed"):
                continue
            neutral = i == 0
            diplomacy: tuple[str, ...] = ()
            if not neutral and row.get("diplomacy") is not None:
                entries = self.lst(row["diplomacy"], f"{where}.diplomacy")
                for j, entry in enumerate(entries):
                    if not isinstance(entry, str):
                        self.wrong(f"{where}.diplomacy[{j}]", "a string", entry)
                diplomacy = tuple(entries)
            name = self.text(row, "name", where)
            if not name:
                self.wrong(f"{where}.name", "a non-empty string", row["name"])
            states.append(
                State(
                    source_id=i,
                    name=name,
                    full_name=self.text(row, "fullName", where, "") or name,
                    form=self.text(row, "formName", where, "") or self.text(row, "form", where, ""),
                    color=self.text(row, "color", where, ""),
                    is_neutral=neutral,
                    diplomacy=diplomacy,
                )
            )
        return tuple(states)

    def provinces(self, raw: Any, live_states: set[int]) -> tuple[Province, ...]:
        rows = self.lst(raw, "pack.provinces")
        provinces = []
        for i, row in enumerate(rows):
            if i == 0 and not isinstance(row, dict):
                continue  # the placeholder
            where = f"pack.provinces[{i}]"
            row = self.obj(row, where)
            if row.get("removed") or (i == 0 and not row):
                continue
            name = self.text(row, "name", where)
            if not name:
                self.wrong(f"{where}.name", "a non-empty string", row["name"])
            state = self.index(
                self.integer(row, "state", where), f"{where}.state", "state", live_states.__contains__
            )
            provinces.append(
                Province(
                    source_id=i,
                    name=name,
                    full_name=self.text(row, "fullName", where, "") or name,
                    state=state,
                    color=self.text(row, "color", where, ""),
                    capital_burg=self.integer(row, "burg", where, 0),
                )
            )
        return tuple(provinces)

    def burgs(self, raw: Any, live_states: set[int], cells: tuple[Cell, ...] | None) -> tuple[Burg, ...]:
        rows = self.lst(raw, "pack.burgs")
        burgs = []
        for i, row in enumerate(rows):
            if i == 0 and (not isinstance(row, dict) or not row.get("name")):
                continue  # the placeholder
            where = f"pack.burgs[{i}]"
            row = self.obj(row, where)
            if row.get("removed"):
                continue
            name = self.text(row, "name", where)
            if not name:
                self.wrong(f"{where}.name", "a non-empty string", row["name"])
            x = self.number(row, "x", where)
            y = self.number(row, "y", where)
            cell = self.integer(row, "cell", where, 0)
            if cells is not None:
                self.index(cell, f"{where}.cell", "cell", lambda c: c < len(cells))
            population = self.number(row, "population", where)
            if population < 0:
                self.wrong(f"{where}.population", "a number of 0 or more", row["population"])
            state = self.index(
                self.integer(row, "state", where, 0), f"{where}.state", "state", live_states.__contains__
            )
            burgs.append(
                Burg(
                    source_id=i,
                    name=name,
                    cell=cell,
                    x=x,
                    y=y,
                    state=state,
                    culture=self.integer(row, "culture", where, 0),
                    population=population,
                    kind=self.text(row, "type", where, "") or "Generic",
                    port=self.flag(row, "port", where),
                    is_capital=bool(self.flag(row, "capital", where)),
                    has_citadel=bool(self.flag(row, "citadel", where)),
                    has_walls=bool(self.flag(row, "walls", where)),
                    has_temple=bool(self.flag(row, "temple", where)),
                    has_plaza=bool(self.flag(row, "plaza", where)),
                    has_shanty=bool(self.flag(row, "shanty", where)),
                )
            )
        if not burgs:
            self.fail(NO_BURGS)
        return tuple(burgs)

    def routes(self, raw: Any, cells: tuple[Cell, ...] | None) -> tuple[RoutePath, ...]:
        rows = self.lst(raw, "pack.routes")
        routes = []
        for i, row in enumerate(rows):
            where = f"pack.routes[{i}]"
            row = self.obj(row, where)
            if row.get("removed"):
                continue
            points = []
            for k, point in enumerate(self.lst(self.get(row, "points", where), f"{where}.points")):
                pwhere = f"{where}.points[{k}]"
                if not isinstance(point, list) or len(point) < 3 or not all(_is_number(v) for v in point[:2]):
                    self.wrong(pwhere, "an [x, y, cell] point", point)
                cell = self.as_int(point[2], f"{pwhere}[2]")
                if cells is not None and cell >= len(cells):
                    self.fail(OUT_OF_RANGE, where=f"{pwhere}[2]", got=cell, what="cell")
                points.append((float(point[0]), float(point[1]), cell))
            routes.append(
                RoutePath(
                    source_id=self.integer(row, "i", where, i),
                    group=self.text(row, "group", where, ""),
                    points=tuple(points),
                )
            )
        return tuple(routes)

    def calendar(self, settings: dict) -> tuple[int, str]:
        options = settings.get("options") or {}
        if isinstance(options, str):  # some versions store the options as a JSON string
            try:
                options = json.loads(options)
            except json.JSONDecodeError:
                self.wrong("settings.options", "an object", settings["options"])
        options = self.obj(options, "settings.options")
        year = self.number(options, "year", "settings.options", 1, text_ok=True)
        if year != int(year):
            self.wrong("settings.options.year", "a whole number", options["year"])
        era = options.get("era")
        if era is not None and not isinstance(era, str):
            self.wrong("settings.options.era", "a string", era)
        return int(year), (era or "").strip()

    def extent(
        self, data: dict, info: dict, cells: tuple[Cell, ...] | None, burgs: tuple[Burg, ...]
    ) -> tuple[float, float]:
        """Map size in map units: info.width/height (newer exports), else the grid, else the content."""
        width, height = info.get("width"), info.get("height")
        if _is_number(width) and _is_number(height) and width > 0 and height > 0:
            return float(width), float(height)
        grid = data.get("grid") if isinstance(data.get("grid"), dict) else {}
        cols, rows, spacing = grid.get("cellsX"), grid.get("cellsY"), grid.get("spacing")
        if all(_is_number(v) and v > 0 for v in (cols, rows, spacing)):
            return round(cols * spacing, 2), round(rows * spacing, 2)
        xs = [c.x for c in cells or ()] + [b.x for b in burgs]
        ys = [c.y for c in cells or ()] + [b.y for b in burgs]
        return float(math.ceil(max(xs, default=0))), float(math.ceil(max(ys, default=0)))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# --- Interpretation -----------------------------------------------------------------------

PROVINCE, STATE = "province", "state"
RegionKey = tuple[str, int]  # (PROVINCE, province id) or (STATE, state id)


def burg_regions(world_map: AzgaarMap) -> dict[int, RegionKey]:
    """The region of each burg: the province of its cell, else its state's own region.

    A reduced export has no cells: a burg then joins the province of the nearest province
    capital of its state (its own province if it is one), else its state's region.
    """
    provinces = {p.source_id: p for p in world_map.provinces}
    result: dict[int, RegionKey] = {}
    if world_map.cells is not None:
        for burg in world_map.burgs:
            province = world_map.cells[burg.cell].province
            result[burg.source_id] = (PROVINCE, province) if province in provinces else (STATE, burg.state)
        return result
    burgs = {b.source_id: b for b in world_map.burgs}
    capitals = [(p, burgs[p.capital_burg]) for p in world_map.provinces if p.capital_burg in burgs]
    for burg in world_map.burgs:
        options = [
            (math.dist((burg.x, burg.y), (cap.x, cap.y)), p.source_id)
            for p, cap in capitals
            if p.state == burg.state
        ]
        result[burg.source_id] = (PROVINCE, min(options)[1]) if options else (STATE, burg.state)
    return result
