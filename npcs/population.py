"""Who lives in a settlement: a pure, deterministic NPC generator. No ORM here.

The same world seed and settlement key always give the same people, so re-importing a map
gives identical NPCs. Professions follow the place (fishers in ports, hunters in hunting
camps, miners and herders in the highlands, guards behind walls, priests at temples) and
are sized so the settlement can feed itself: food producers and the bread chain (farmer →
miller → baker, economy.goods.RECIPES) cover what its people eat (npcs.sim.HUNGER_DECAY),
working the hours their routine gives them (npcs.sim.ROUTINES).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

from economy.goods import NOURISHMENT, RECIPES
from npcs.models import Activity, Profession
from npcs.sim import HUNGER_DECAY, ROUTINES, WORK

P = Profession
AGE_MIN, AGE_MAX, AGE_MODE = 16, 70, 30
NEED_MIN, NEED_MAX = 60, 90
START_FOOD = 3  # meals at home
# Copper pieces in an NPC's purse on day one, by profession.
PURSE_RANGE: dict[str, tuple[int, int]] = {
    P.FARMER: (20, 80),
    P.HERDER: (20, 80),
    P.HUNTER: (20, 70),
    P.FISHER: (20, 80),
    P.MINER: (25, 90),
    P.MILLER: (60, 150),
    P.BAKER: (50, 140),
    P.BREWER: (60, 160),
    P.SMITH: (80, 200),
    P.MERCHANT: (120, 200),
    P.GUARD: (30, 100),
    P.INNKEEPER: (80, 200),
    P.PRIEST: (20, 90),
    P.LABOURER: (20, 50),
}

# A settlement this size (in NPCs) bakes its own bread; smaller ones live on cheese, meat and fish.
MIN_NPCS_FOR_BAKERY = 15
DAILY_HUNGER = 24 * HUNGER_DECAY  # nourishment one NPC needs per day

# Share of the NPCs who fish / hunt / herd, by Azgaar burg type (ports fish whatever their type).
FISHER_SHARE = {"Naval": 0.12, "Lake": 0.10, "River": 0.04}
PORT_FISHER_SHARE = 0.08
HUNTER_SHARE = {"Hunting": 0.12}
HERDER_SHARE = {"Highland": 0.15, "Nomadic": 0.25, "Hunting": 0.04}
DEFAULT_HERDER_SHARE = 0.05
HIGHLAND_MINER_SHARE = 0.12
# Trades a settlement has from a size (NPCs) on, as a share of its NPCs (at least one).
TRADES: tuple[tuple[str, int, float], ...] = (
    (P.INNKEEPER, 8, 0.008),
    (P.SMITH, 10, 0.01),
    (P.MERCHANT, 12, 0.015),
    (P.BREWER, 30, 0.01),
)
MIN_NPCS_FOR_MINE = 40  # lowland towns this big dig (bog) iron for their smiths
GUARD_SHARE_BASE, GUARD_SHARE_CAPITAL, GUARD_SHARE_WALLS, GUARD_SHARE_CITADEL = 0.01, 0.015, 0.01, 0.01
PRIEST_SHARE = 0.01
MIN_NPCS_FOR_CIVIC = 3  # guards and priests from this size on
# Of the NPCs left after all of the above, this share farms; the others labour.
REST_FARMER_SHARE: tuple[tuple[int, float], ...] = ((30, 1.0), (100, 0.75), (300, 0.6))
REST_FARMER_SHARE_CITY = 0.5


PEOPLE_PER_NPC_TOO_SMALL = "people per NPC must be at least 1, got {value}"


def npc_count(population: int, people_per_npc: int) -> int:
    """How many NPCs stand for a settlement: population / people_per_npc rounded half up, at least 1."""
    if people_per_npc < 1:
        raise ValueError(PEOPLE_PER_NPC_TOO_SMALL.format(value=people_per_npc))
    return max(1, (population + people_per_npc // 2) // people_per_npc)


@dataclass(frozen=True)
class Place:
    """What the generator needs to know about a settlement."""

    key: int  # stable id within the world (the Azgaar burg id): seeds its people
    kind: str = "Generic"  # Azgaar burg type
    culture: str = ""  # name-base label ("English", "Elven"...) or culture name: picks the name flavour
    is_port: bool = False
    is_capital: bool = False
    has_walls: bool = False
    has_citadel: bool = False
    has_temple: bool = False


@dataclass(frozen=True, slots=True)
class NpcSeed:
    name: str
    age: int
    profession: str
    hunger: int
    rest: int
    social: int
    safety: int
    purse: int
    food: int
    activity: str


# --- Production arithmetic (from the recipes and routines) ---------------------------------


def work_hours_per_day(profession: str) -> int:
    return sum(1 for activity in ROUTINES.get(profession, ()) if activity == WORK)


def daily_output(profession: str, good: str) -> int:
    recipe = RECIPES.get(profession)
    return recipe.outputs.get(good, 0) * work_hours_per_day(profession) if recipe else 0


def daily_input(profession: str, good: str) -> int:
    recipe = RECIPES.get(profession)
    return recipe.inputs.get(good, 0) * work_hours_per_day(profession) if recipe else 0


def daily_nourishment(profession: str) -> int:
    """Hunger one worker of this profession stills per day with what they make."""
    return sum(daily_output(profession, food) * value for food, value in NOURISHMENT.items())


def daily_food_balance(plan: dict[str, int]) -> int:
    """Nourishment made per day minus what everyone eats; flour and wheat limit the bakers."""
    flour = sum(daily_output(p, "flour") * k for p, k in plan.items())
    flour_wanted = sum(daily_input(p, "flour") * k for p, k in plan.items())
    made = 0
    for profession, count in plan.items():
        if profession == P.BAKER and flour_wanted:
            made += daily_nourishment(profession) * count * min(1.0, flour / flour_wanted)
        else:
            made += daily_nourishment(profession) * count
    return math.floor(made) - DAILY_HUNGER * sum(plan.values())


def _needed(amount: float, per_worker: int) -> int:
    return math.ceil(amount / per_worker) if amount > 0 and per_worker > 0 else 0


# --- Professions ---------------------------------------------------------------------------


def signature_trade(place: Place) -> str:
    """The trade a place is known for, and its first food producer."""
    if place.is_port or place.kind in ("Naval", "Lake"):
        return P.FISHER
    if place.kind == "Hunting":
        return P.HUNTER
    if place.kind in ("Highland", "Nomadic"):
        return P.HERDER
    return P.FARMER


def _food_trade(place: Place) -> str:
    trade = signature_trade(place)
    return P.HERDER if trade == P.FARMER else trade


def profession_plan(place: Place, n: int) -> dict[str, int]:
    """How many of each profession among `n` NPCs (sums to `n`; deterministic)."""
    plan: Counter[str] = Counter()
    left = n

    def take(profession: str, count: int) -> None:
        nonlocal left
        count = max(0, min(count, left))
        plan[profession] += count
        left -= count

    def share(fraction: float) -> int:
        return round(n * fraction)

    if n < MIN_NPCS_FOR_BAKERY:
        # Too small to bake: first enough cheese, meat or fish for everyone.
        food = _food_trade(place)
        take(food, _needed(n * DAILY_HUNGER, daily_nourishment(food)))
    take(signature_trade(place), 1 - plan[signature_trade(place)])
    if n >= MIN_NPCS_FOR_CIVIC:
        if place.is_capital or place.has_walls or place.has_citadel:
            guard_share = (
                GUARD_SHARE_BASE
                + GUARD_SHARE_CAPITAL * place.is_capital
                + GUARD_SHARE_WALLS * place.has_walls
                + GUARD_SHARE_CITADEL * place.has_citadel
            )
            take(P.GUARD, max(1, share(guard_share)))
        if place.has_temple:
            take(P.PRIEST, max(1, share(PRIEST_SHARE)))
    if n >= MIN_NPCS_FOR_BAKERY:
        fishers = PORT_FISHER_SHARE if place.is_port else 0.0
        take(P.FISHER, share(max(fishers, FISHER_SHARE.get(place.kind, 0.0))) - plan[P.FISHER])
        take(P.HUNTER, share(HUNTER_SHARE.get(place.kind, 0.0)) - plan[P.HUNTER])
        take(P.HERDER, share(HERDER_SHARE.get(place.kind, DEFAULT_HERDER_SHARE)) - plan[P.HERDER])
        direct = sum(daily_nourishment(p) * k for p, k in plan.items())
        bakers = max(1, _needed(n * DAILY_HUNGER - direct, daily_nourishment(P.BAKER)))
        take(P.BAKER, bakers)
        flour_wanted = daily_input(P.BAKER, "flour") * bakers
        take(P.MILLER, max(1, _needed(flour_wanted, daily_output(P.MILLER, "flour"))))
    for profession, from_size, fraction in TRADES:
        if n >= from_size:
            doubled = place.kind == "Highland" and profession == P.SMITH  # smiths follow the iron
            take(profession, max(1, share(fraction)) * (2 if doubled else 1))
    iron_wanted = daily_input(P.SMITH, "iron") * plan[P.SMITH]
    if place.kind == "Highland":
        take(P.MINER, max(_needed(iron_wanted, daily_output(P.MINER, "iron")), share(HIGHLAND_MINER_SHARE)))
    elif n >= MIN_NPCS_FOR_MINE:
        take(P.MINER, _needed(iron_wanted, daily_output(P.MINER, "iron")))
    wheat_wanted = sum(daily_input(p, "wheat") * k for p, k in plan.items())
    take(P.FARMER, _needed(wheat_wanted, daily_output(P.FARMER, "wheat")) - plan[P.FARMER])
    farmer_share = next((s for size, s in REST_FARMER_SHARE if n < size), REST_FARMER_SHARE_CITY)
    take(P.FARMER, round(left * farmer_share))
    take(P.LABOURER, left)
    return {p: k for p, k in plan.items() if k}


# --- Names ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameStyle:
    """Syllables a culture's personal names are built from."""

    onsets: tuple[str, ...]
    vowels: tuple[str, ...]
    codas: tuple[str, ...]
    given_endings: tuple[str, ...]
    family_endings: tuple[str, ...]
    syllables: tuple[int, int] = (1, 2)
    family_first: bool = False


def _s(text: str) -> tuple[str, ...]:
    return tuple("" if part == "-" else part for part in text.split())


NAME_STYLES: dict[str, NameStyle] = {
    "common": NameStyle(
        _s("b br c d dr f g gr h j l m n p r s st t th w"),
        _s("a e i o u ea o a"),
        _s("- - n l r m s d t ck nd"),
        _s("- - a y en ric"),
        _s("er son man ley ward sby"),
    ),
    "northern": NameStyle(
        _s("b bj d f g h k l r s sv t th v"),
        _s("a e i o u ei au y"),
        _s("- n r l k nd rn lf ld"),
        _s("- a ir ulf hild"),
        _s("sen son ing vik strand"),
    ),
    "southern": NameStyle(
        _s("b c d f g l m n p r s t v ch gi"),
        _s("a e i o ia io"),
        _s("- - - n l r"),
        _s("o a io ina ello etta"),
        _s("elli ini ardo etti oni esco"),
    ),
    "eastern": NameStyle(
        _s("b ch d g h j k m n p s t y w"),
        _s("a e i o u ae eo eu ya yo"),
        _s("- - n ng k m"),
        _s("- -"),
        _s("-"),
        syllables=(2, 2),
        family_first=True,
    ),
    "hellenic": NameStyle(
        _s("k d th l m n p r s t x ph"),
        _s("a e i o y ai eu"),
        _s("- - n s r"),
        _s("os as is ia ene on"),
        _s("ides akis eus"),
    ),
    "desert": NameStyle(
        _s("b d f h j k m n r s sh t z q"),
        _s("a i u aa ei"),
        _s("- d m n r l b"),
        _s("- a im an"),
        _s("i an ar un"),
    ),
    "tropical": NameStyle(
        _s("k l m n p h t w ch y"),
        _s("a e i o u ai au"),
        _s("- - -"),
        _s("a o e i"),
        _s("ala ona iwe anu"),
        syllables=(2, 3),
    ),
    "elven": NameStyle(
        _s("l th s f n r c g v"),
        _s("a e i ae ia ie"),
        _s("- l n r th s"),
        _s("iel wen ion as ith"),
        _s("dor wyn thil ras"),
    ),
    "orcish": NameStyle(
        _s("g gr k kr m n r sh th z b d"),
        _s("a o u"),
        _s("g k r sh z b d gh"),
        _s("- ak ug ash"),
        _s("gash mog uk rok"),
        syllables=(1, 1),
    ),
    "dwarven": NameStyle(
        _s("b d g k t th n br dr gr"),
        _s("a o u i"),
        _s("r n m k rn ld"),
        _s("in ur ok ain im"),
        _s("beard hand fist helm delver foot"),
    ),
}
# Name-base labels (Azgaar's, e.g. "Dark Elven") -> flavour, by the first keyword found.
FLAVOUR_KEYWORDS: dict[str, tuple[str, ...]] = {
    "elven": ("elv",),
    "orcish": ("orc", "goblin"),
    "dwarven": ("dwar", "giant"),
    "eastern": ("korea", "chin", "japan", "vietnam", "canton", "mongol"),
    "hellenic": ("greek", "hellen"),
    "southern": ("ital", "french", "castil", "roman", "portug", "basque"),
    "northern": ("german", "nord", "finn", "ruthen", "hungar"),
    "desert": ("arab", "berber", "turk", "iran", "levant", "mesopotam", "serpent", "dracon"),
    "tropical": ("nahua", "quechua", "hawai", "swahil", "nigeri", "karnat", "inuit"),
}
DEFAULT_FLAVOUR = "common"
VOWELS = "aeiouy"


def name_flavour(culture: str) -> str:
    lowered = culture.lower()
    for flavour, keywords in FLAVOUR_KEYWORDS.items():
        if any(keyword in lowered for keyword in keywords):
            return flavour
    return DEFAULT_FLAVOUR


def _word(rng: random.Random, style: NameStyle, syllables: int, endings: tuple[str, ...]) -> str:
    parts = []
    for i in range(syllables):
        onset = rng.choice(style.onsets)
        coda = rng.choice(style.codas) if i == syllables - 1 else ""
        parts.append(onset + rng.choice(style.vowels) + coda)
    word, ending = "".join(parts), rng.choice(endings)
    if ending and ending[0] in VOWELS and word[-1] in VOWELS:
        word = word.rstrip(VOWELS) or word  # no vowel pile-ups ("Sio" + "io")
    elif ending and word[-1] == ending[0]:
        ending = ending[1:]
    return (word + ending).capitalize()


def person_name(rng: random.Random, flavour: str) -> str:
    style = NAME_STYLES.get(flavour, NAME_STYLES[DEFAULT_FLAVOUR])
    given = _word(rng, style, rng.randint(*style.syllables), style.given_endings)
    family = _word(rng, style, 1, style.family_endings)
    return f"{family} {given}" if style.family_first else f"{given} {family}"


# --- People --------------------------------------------------------------------------------


def generate_npcs(*, world_seed: str, place: Place, count: int) -> list[NpcSeed]:
    """`count` people for `place`, identical for the same (world_seed, place.key, count)."""
    rng = random.Random(f"gmconsole:{world_seed}:{place.key}")
    professions = [p for p, k in sorted(profession_plan(place, count).items()) for _ in range(k)]
    rng.shuffle(professions)
    flavour = name_flavour(place.culture)
    people = []
    for profession in professions:
        low, high = PURSE_RANGE.get(profession, (20, 200))
        people.append(
            NpcSeed(
                name=person_name(rng, flavour),
                age=min(AGE_MAX, max(AGE_MIN, round(rng.triangular(AGE_MIN, AGE_MAX, AGE_MODE)))),
                profession=str(profession),
                hunger=rng.randint(NEED_MIN, NEED_MAX),
                rest=rng.randint(NEED_MIN, NEED_MAX),
                social=rng.randint(NEED_MIN, NEED_MAX),
                safety=rng.randint(NEED_MIN, NEED_MAX),
                purse=rng.randint(low, high),
                food=START_FOOD,
                activity=str(Activity.IDLE),
            )
        )
    return people
