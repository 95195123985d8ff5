"""npcs.population: the deterministic NPC generator (pure, no database)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from npcs import population
from npcs.models import Activity, Profession
from npcs.population import (
    NAME_STYLES,
    Place,
    daily_food_balance,
    generate_npcs,
    name_flavour,
    npc_count,
    person_name,
    profession_plan,
)

P = Profession
SEARING = Place(
    key=1,
    kind="Naval",
    culture="English",
    is_port=True,
    is_capital=True,
    has_walls=True,
    has_citadel=True,
    has_temple=True,
)
KINDS = ("Generic", "Naval", "Hunting", "Highland", "Lake", "River", "Nomadic")


def test_npc_count_rounds_half_up_and_is_at_least_one():
    assert npc_count(72_475, 100) == 725
    assert npc_count(72_449, 100) == 724
    assert npc_count(150, 100) == 2
    assert npc_count(149, 100) == 1
    assert npc_count(0, 100) == 1
    assert npc_count(72_475, 500) == 145
    with pytest.raises(ValueError, match="at least 1"):
        npc_count(100, 0)


def test_same_seed_and_place_give_the_same_people():
    first = generate_npcs(world_seed="766206500", place=SEARING, count=50)
    again = generate_npcs(world_seed="766206500", place=SEARING, count=50)
    assert first == again
    other_world = generate_npcs(world_seed="1", place=SEARING, count=50)
    other_town = generate_npcs(
        world_seed="766206500", place=Place(key=2, kind="Naval", is_port=True), count=50
    )
    assert [n.name for n in first] != [n.name for n in other_world]
    assert [n.name for n in first] != [n.name for n in other_town]


def test_starting_state():
    people = generate_npcs(world_seed="s", place=SEARING, count=300)
    assert len(people) == 300
    for npc in people:
        assert 16 <= npc.age <= 70
        assert all(60 <= need <= 90 for need in (npc.hunger, npc.rest, npc.social, npc.safety))
        low, high = population.PURSE_RANGE[npc.profession]
        assert low <= npc.purse <= high
        assert npc.food == 3
        assert npc.activity == Activity.IDLE
        assert npc.profession in P.values
        assert 3 <= len(npc.name) <= 120 and " " in npc.name
    assert len({n.age for n in people}) > 30  # ages spread out
    assert len({n.name for n in people}) > 290  # names rarely repeat


def test_generated_professions_follow_the_plan():
    people = generate_npcs(world_seed="s", place=SEARING, count=725)
    assert Counter(n.profession for n in people) == profession_plan(SEARING, 725)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [1, 2, 3, 7, 14, 15, 16, 40, 99, 250, 725, 1800])
def test_plan_sums_to_n_and_feeds_everyone(kind, n):
    for walled in (False, True):
        place = Place(
            key=1,
            kind=kind,
            is_port=kind == "Naval",
            is_capital=walled,
            has_walls=walled,
            has_citadel=walled,
            has_temple=walled,
        )
        plan = profession_plan(place, n)
        assert sum(plan.values()) == n
        assert set(plan) <= set(P.values)
        assert daily_food_balance(plan) >= 0, (kind, n, walled, plan)


def test_small_villages_are_mostly_farmers_fed_by_herders():
    plan = profession_plan(Place(key=1), 10)
    assert plan == {P.FARMER: 5, P.HERDER: 3, P.INNKEEPER: 1, P.SMITH: 1}
    assert max(plan, key=plan.get) == P.FARMER


def test_a_lone_npc_is_the_places_food_producer():
    assert profession_plan(Place(key=1), 1) == {P.HERDER: 1}
    assert profession_plan(Place(key=1, kind="Naval", is_port=True), 1) == {P.FISHER: 1}
    assert profession_plan(Place(key=1, kind="Hunting"), 1) == {P.HUNTER: 1}


@pytest.mark.parametrize("n", range(15, 400, 7))
def test_from_fifteen_npcs_there_is_bread(n):
    for kind in KINDS:
        plan = profession_plan(Place(key=1, kind=kind), n)
        assert plan[P.MILLER] >= 1 and plan[P.BAKER] >= 1
        # the millers grind at least the flour the bakers need, the farmers grow the wheat
        flour = population.daily_output(P.MILLER, "flour") * plan[P.MILLER]
        assert flour >= population.daily_input(P.BAKER, "flour") * plan[P.BAKER]
        wheat = population.daily_output(P.FARMER, "wheat") * plan[P.FARMER]
        wheat_wanted = sum(population.daily_input(p, "wheat") * k for p, k in plan.items())
        assert wheat >= wheat_wanted


def test_a_port_capital_fishes_guards_prays_and_bakes():
    plan = profession_plan(SEARING, 725)
    assert plan[P.FISHER] == 87  # 12 % of a Naval town
    assert plan[P.GUARD] == 33  # 1 % + 1.5 % capital + 1 % walls + 1 % citadel
    assert plan[P.PRIEST] == 7
    assert plan[P.BAKER] >= 1 and plan[P.MILLER] >= 1
    for trade in (P.SMITH, P.MERCHANT, P.INNKEEPER, P.BREWER):
        assert plan[trade] >= 5
    assert plan[P.FARMER] > plan[P.LABOURER] > 0


def test_place_kinds_bring_their_trades():
    assert profession_plan(Place(key=1, kind="Hunting"), 50)[P.HUNTER] == 6
    highland = profession_plan(Place(key=1, kind="Highland"), 50)
    assert highland[P.MINER] == 6 and highland[P.HERDER] == 8
    assert P.FISHER not in profession_plan(Place(key=1), 50)
    assert P.GUARD not in profession_plan(Place(key=1), 50)
    assert profession_plan(Place(key=1, has_walls=True), 50)[P.GUARD] == 1
    assert profession_plan(Place(key=1, has_temple=True), 50)[P.PRIEST] == 1
    # a town without bread needs fewer bakers when the sea feeds it
    assert (
        profession_plan(Place(key=1, kind="Naval"), 200)[P.BAKER]
        < profession_plan(Place(key=1), 200)[P.BAKER]
    )


def test_big_towns_have_more_labourers_than_villages():
    assert P.LABOURER not in profession_plan(Place(key=1), 20)
    assert profession_plan(Place(key=1), 300)[P.LABOURER] > 50


def test_name_flavours_follow_the_culture():
    assert name_flavour("English") == "common"
    assert name_flavour("Dark Elven") == "elven"
    assert name_flavour("Orc") == "orcish"
    assert name_flavour("Korean") == "eastern"
    assert name_flavour("Greek") == "hellenic"
    assert name_flavour("Italian") == "southern"
    assert name_flavour("Something Else") == "common"


def test_names_are_built_from_their_flavours_syllables():
    rng = random.Random(5)
    for flavour, style in NAME_STYLES.items():
        for _ in range(30):
            name = person_name(rng, flavour)
            parts = name.split(" ")
            assert len(parts) == 2 and all(p[:1].isupper() for p in parts), name
            family = parts[0] if style.family_first else parts[1]
            assert any(family.lower().startswith(onset) for onset in style.onsets), (flavour, name)
    # eastern names put the family name first, in one syllable
    eastern = person_name(random.Random(1), "eastern")
    assert len(eastern.split(" ")[0]) <= 5
