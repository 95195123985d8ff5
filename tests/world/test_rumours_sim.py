"""The pure rumour maths: blurring, telling, and one Daley–Kendall step on hand-made societies."""

import random

import pytest

from world.rumours import sim
from world.rumours.sim import Hearing, SpreadParams

ALWAYS_GROW = SpreadParams(number_growth=1.0, growth_min=1.25, growth_max=1.25)


def society(towns: dict[int, list[tuple[int, str]]], routes=(), names=None) -> sim.Society:
    """towns: settlement id → [(npc id, profession)]; NPC names are "P<id>"."""
    return sim.society_build(
        npcs=[(npc, sid, prof, f"P{npc}") for sid, people in towns.items() for npc, prof in people],
        routes=routes,
        settlement_names=names or {sid: f"Town{sid}" for sid in towns},
    )


def hearing(npc_id: int, settlement_id: int, **kw) -> Hearing:
    kw.setdefault("heard_tick", 0)
    kw.setdefault("hops", 0)
    kw.setdefault("details", {"what": "a flood", "deaths": 12})
    kw.setdefault("belief", 1.0)
    return Hearing(npc_id=npc_id, settlement_id=settlement_id, **kw)


# --- blurring -----------------------------------------------------------------------------


def test_numbers_grow_as_they_travel_12_15_19_24():
    rng = random.Random(1)
    deaths = [12]
    for _ in range(3):
        deaths.append(sim.grow_number(deaths[-1], rng, ALWAYS_GROW))

    assert deaths == [12, 15, 19, 24]
    assert sim.grow_number(0, rng, ALWAYS_GROW) == 0  # nothing to exaggerate
    assert sim.grow_number(-3, rng, ALWAYS_GROW) == -3
    assert sim.grow_number(2.0, rng, ALWAYS_GROW) == 2.5  # floats stay floats


def test_numbers_never_shrink_and_usually_grow_over_many_hops():
    rng = random.Random(7)
    finals = []
    for _ in range(200):
        value = 12
        for _ in range(10):
            grown = sim.grow_number(value, rng)
            assert grown >= value and isinstance(grown, int)
            value = grown
        finals.append(value)

    assert min(finals) >= 12
    assert sum(f > 12 for f in finals) > 190  # ten retellings almost always exaggerate
    assert 15 < sorted(finals)[100] < 60  # but the median stays a plausible exaggeration


def test_a_place_name_slips_only_to_a_neighbour_and_fixed_keys_never_blur():
    details = {
        "what": "a flood",
        "place": "Searing",
        "deaths": 12,
        "event_id": 7,
        "severity": 6,
        "kind": "flood",
        "template": "A flood at {place} drowned {deaths}",
        "seen_by": ["Searing", 3],
        "nested": {"place": "Searing"},
    }
    alternatives = {"Searing": ["Bretford", "Valla"]}
    slipping = SpreadParams(name_slip=1.0, number_growth=1.0, growth_min=2.0, growth_max=2.0)

    blurred = sim.blur_details(
        details, rng=random.Random(3), place_alternatives=alternatives, params=slipping
    )

    assert blurred["place"] in {"Bretford", "Valla"}
    assert blurred["seen_by"][0] in {"Bretford", "Valla"} and blurred["seen_by"][1] == 6
    assert blurred["nested"]["place"] in {"Bretford", "Valla"}
    assert blurred["deaths"] == 24
    assert (blurred["event_id"], blurred["severity"], blurred["kind"]) == (7, 6, "flood")
    assert blurred["template"] == details["template"] and blurred["what"] == "a flood"
    assert details["place"] == "Searing" and details["nested"] == {"place": "Searing"}  # not mutated

    steady = sim.blur_details(
        details, rng=random.Random(3), place_alternatives=alternatives, params=SpreadParams(name_slip=0.0)
    )
    assert steady["place"] == "Searing"


def test_a_person_name_slips_to_someone_the_teller_knows():
    details = {"who": "Ana Reed", "what": "a theft"}
    slipping = SpreadParams(name_slip=1.0)

    blurred = sim.blur_details(
        details,
        rng=random.Random(5),
        place_alternatives={},
        person_names={"Ana Reed", "Bo Hale"},
        acquaintances=["Ana Reed", "Bo Hale"],
        params=slipping,
    )
    unknown = sim.blur_details(
        {"who": "Zed Nobody"},
        rng=random.Random(5),
        place_alternatives={},
        person_names={"Ana Reed"},
        acquaintances=["Bo Hale"],
        params=slipping,
    )

    assert blurred == {"who": "Bo Hale", "what": "a theft"}
    assert unknown == {"who": "Zed Nobody"}  # not a person of this world: nothing to slip to


def test_belief_decays_with_each_mouth_down_to_a_floor():
    rng = random.Random(2)
    beliefs = [1.0]
    for _ in range(25):
        beliefs.append(sim.belief_after(beliefs[-1], rng))

    assert 0.765 <= beliefs[1] <= 0.85
    assert all(b < a for a, b in zip(beliefs[:10], beliefs[1:11], strict=True))
    assert beliefs[-1] == 0.05


def test_each_npc_tells_its_own_version_hedged_by_its_belief():
    details = {"template": "A flood at {place} drowned {deaths} people", "place": "Searing", "deaths": 15}

    assert sim.render_text(details) == "A flood at Searing drowned 15 people."
    assert sim.render_text(details, belief=0.6) == "A flood at Searing drowned 15 people. So they say."
    assert sim.render_text(details, belief=0.3).endswith("from someone who heard it from someone.")
    assert sim.render_text(details, belief=0.1).endswith("Some fool told me; I doubt it.")
    assert sim.render_text({"what": "a flood", "place": "Searing", "deaths": 12, "event_id": 4}) == (
        "A flood at Searing: deaths 12."
    )
    assert sim.render_text({"what": "war"}) == "War."
    assert sim.render_text({"template": "Bad {0} and {place:d}", "place": "X"}) == "Bad {0} and {place:d}."
    assert sim.render_text({"template": "The {who} is back", "what": "x"}) == "The {who} is back."


# --- telling ------------------------------------------------------------------------------


def test_merchants_and_small_places_talk_to_strangers_more():
    assert sim.abroad_chance("merchant", 100) == 0.5
    assert sim.abroad_chance("innkeeper", 100) == 0.5
    assert sim.abroad_chance("farmer", 100) == 0.04
    assert sim.abroad_chance("farmer", 50) == 0.06
    assert sim.abroad_chance("farmer", 10) == 0.3
    assert sim.abroad_chance("farmer", 1) == 1.0


def test_telling_an_ignorant_npc_makes_a_new_spreader_of_a_blurred_version():
    people = society({1: [(10, "farmer"), (11, "farmer")]})
    known = {10}
    teller = hearing(10, 1, hops=2, belief=0.8)

    outcome = sim.spread_step(spreaders=[teller], known=known, society=people, tick=5, rng=random.Random(0))

    assert known == {10, 11} and outcome.told == 1
    [new] = outcome.new
    assert (new.npc_id, new.settlement_id, new.heard_from, new.heard_tick, new.hops) == (11, 1, 10, 5, 3)
    assert 0.8 * 0.85 * 0.9 <= new.belief < 0.8 and new.is_spreading and new.knowers_met == 0
    assert new.details["deaths"] >= 12 and new.text == sim.render_text(new.details, belief=new.belief)
    # its second contact met 11, who knew by then: one knower, still telling
    assert (teller.knowers_met, teller.is_spreading, outcome.knowers) == (1, True, 1)
    assert outcome.changed == [teller]


def test_a_spreader_falls_silent_after_meeting_two_who_already_know():
    people = society({1: [(10, "farmer"), (11, "farmer")]})
    teller = hearing(10, 1)

    outcome = sim.spread_step(
        spreaders=[teller], known={10, 11}, society=people, tick=1, rng=random.Random(0)
    )

    assert (teller.knowers_met, teller.is_spreading) == (2, False)
    assert (outcome.contacts, outcome.knowers, outcome.fell_silent, outcome.new) == (2, 2, 1, [])
    assert outcome.spreaders_left([teller]) == 0


def test_the_dead_the_tired_and_the_lonely_fall_silent():
    people = society({1: [(10, "farmer"), (11, "farmer")], 2: [(20, "farmer")]})
    dead = hearing(99, 1)  # not among the living
    tired = hearing(10, 1, heard_tick=0)
    lonely = hearing(20, 2, heard_tick=59)  # alone, and no road leaves its town

    outcome = sim.spread_step(
        spreaders=[dead, tired, lonely], known={99, 10, 20}, society=people, tick=60, rng=random.Random(0)
    )

    assert [h.is_spreading for h in (dead, tired, lonely)] == [False, False, False]
    assert outcome.new == [] and outcome.contacts == 0 and outcome.fell_silent == 3


def test_merchants_carry_news_along_routes_to_the_next_town():
    people = society(
        {
            1: [(n, "farmer") for n in range(10, 40)] + [(40, "merchant")],
            2: [(n, "farmer") for n in range(50, 80)],
        },
        routes=[(1, 2)],
        names={1: "Searing", 2: "Valla"},
    )
    merchant_known, farmer_known = {40}, {10}
    merchant = hearing(40, 1, details={"what": "a flood", "place": "Searing"})
    farmer = hearing(10, 1, details={"what": "a flood", "place": "Searing"})
    abroad = {"merchant": 0, "farmer": 0}
    for tick in range(1, 31):  # thirty separate days of telling, from scratch each time
        merchant.knowers_met = farmer.knowers_met = 0
        merchant.is_spreading = farmer.is_spreading = True
        for who, h, known in (("merchant", merchant, merchant_known), ("farmer", farmer, farmer_known)):
            out = sim.spread_step(
                spreaders=[h], known=known, society=people, tick=tick, rng=random.Random(tick)
            )
            abroad[who] += sum(n.settlement_id == 2 for n in out.new)

    assert abroad["merchant"] >= 15  # about half its contacts are travellers'
    assert abroad["farmer"] <= 5  # a farmer of a 31-NPC town rarely meets one
    valla = [npc for npc in merchant_known if people.settlement_of[npc] == 2]
    assert valla and all(50 <= npc < 80 for npc in valla)


def test_the_same_rumour_and_tick_spread_the_same_way():
    people = society(
        {1: [(n, "farmer") for n in range(1, 30)], 2: [(n, "merchant") for n in range(30, 40)]},
        routes=[(1, 2)],
    )

    def run(rng_tick: int):
        spreaders = [hearing(1, 1), hearing(2, 1), hearing(30, 2)]
        known = {1, 2, 30}
        out = sim.spread_step(
            spreaders=spreaders, known=known, society=people, tick=4, rng=sim.rumour_rng(17, rng_tick)
        )
        return [(h.npc_id, h.heard_from, h.details, h.belief) for h in out.new]

    first = run(4)
    assert first and run(4) == first
    assert run(5) != first  # another tick, another day of talk


def test_first_arrivals_name_one_hearing_per_newly_reached_settlement():
    new = [hearing(1, 5), hearing(2, 6), hearing(3, 5), hearing(4, 7)]

    assert [h.npc_id for h in sim.first_arrivals(new, reached={7})] == [1, 2]


@pytest.mark.parametrize("towns", [1, 6])
def test_a_chain_of_towns_hears_it_and_the_rumour_stops(towns):
    people = society(
        {
            t: [(t * 100 + i, "merchant" if i == 0 else "farmer") for i in range(12)]
            for t in range(1, towns + 1)
        },
        routes=[(t, t + 1) for t in range(1, towns)],
    )
    hearings = [hearing(100, 1)]
    known = {100}
    curve = []
    for tick in range(1, 200):
        spreaders = [h for h in hearings if h.is_spreading]
        out = sim.spread_step(
            spreaders=spreaders, known=known, society=people, tick=tick, rng=sim.rumour_rng(1, tick)
        )
        hearings += out.new
        curve.append((len(known), out.spreaders_left(spreaders)))
        if curve[-1][1] == 0:
            break

    assert curve[-1][1] == 0 and len(curve) < 100  # it stopped, well before the spreaders tire
    heard = [c[0] for c in curve]
    assert heard == sorted(heard)  # nobody un-hears
    assert len({h.settlement_id for h in hearings}) == towns
    assert 0.5 * 12 * towns < heard[-1] <= 12 * towns
