"""The pure maths of events: reach and fall-off, lasting modifiers, the one-off shock, the preview."""

from economy.sim import MarketBook, Stock
from world import sim
from world.events import sim as ev
from world.events.preview import preview_region

LINE = {1: [2], 2: [1, 3], 3: [2, 4], 4: [3, 5], 5: [4]}
REGION_OF = {1: 10, 2: 10, 3: 11, 4: 12, 5: 13}


def test_intensity_falls_off_with_route_hops_and_stops_below_the_threshold():
    reach = ev.reach(kind="flood", severity=8, epicentre=[1], links=LINE, region_of=REGION_OF)
    # Flood: ×0.5 per hop. Region 10 holds hops 0 and 1 (it takes the nearest), 11 is 2 hops, 12 is 3.
    assert reach == {10: (0, 0.8), 11: (2, 0.2), 12: (3, 0.1)}
    assert 13 not in reach  # 4 hops: beyond a flood's reach


def test_a_fire_stays_local_and_a_plague_travels_far():
    fire = ev.reach(kind="fire", severity=10, epicentre=[3], links=LINE, region_of=REGION_OF)
    plague = ev.reach(kind="plague", severity=10, epicentre=[3], links=LINE, region_of=REGION_OF)
    assert fire == {11: (0, 1.0), 10: (1, 0.35), 12: (1, 0.35)}
    assert set(plague) == {10, 11, 12, 13}
    assert plague[13] == (2, 0.49)


def test_war_reaches_every_region_of_both_sides_hardest_at_the_front():
    reach = ev.war_reach(severity=8, sides=({1, 2}, {3, 4, 5}), links=LINE, region_of=REGION_OF)
    assert set(reach) == {10, 11, 12, 13}
    assert reach[10] == (1, 0.6) and reach[11] == (1, 0.6)  # the border towns 2 and 3
    assert reach[13][0] == 3 and reach[13][1] < reach[12][1] < reach[11][1]
    assert min(v[1] for v in reach.values()) >= ev.WAR_FLOOR * 0.8


def test_modifiers_scale_with_intensity_and_stack():
    flood = ev.modifiers_for("flood", 0.5)
    assert flood.production_factor("farmer") == 0.5 and flood.production_factor("miner") == 1.0
    assert flood.safety == -8  # round(-15 × 0.5)
    war = ev.modifiers_for("war", 1.0)
    both = ev.Modifiers.combine([flood, war])
    assert both.production_factor("farmer") == 0.35  # 0.5 × 0.7
    assert both.safety == -43 and both.demand["iron"] == 4 and both.demand["wheat"] == 2
    custom = ev.modifiers_for("custom", 1.0, {"production": 0.4, "safety": -20, "hunger": 3})
    assert custom.production_factor("smith") == 0.4 and custom.safety == -20 and custom.hunger == 3


def test_the_work_draw_keeps_about_the_factor_share_of_hours():
    worked = sum(ev.works(npc_id, tick, 0.3) for npc_id in range(200) for tick in range(1, 11))
    assert 500 <= worked <= 700  # 30% of 2,000 hours, give or take
    assert all(ev.works(7, t, 1.0) for t in range(50)) and not any(ev.works(7, t, 0.0) for t in range(50))


def test_the_shock_picks_the_same_people_every_time():
    ids = list(range(1000, 1200))
    first = ev.pick(ids, 0.05, seed=42)
    assert len(first) == 10 and first == ev.pick(list(reversed(ids)), 0.05, seed=42)
    assert ev.pick(ids, 0.05, seed=43) != first
    flood = ev.shock_for("flood", 0.5)
    assert flood.refugee_rate == 0.025 and flood.stock_loss["wheat"] == 0.3
    assert ev.shock_for("flood", 0.3).refugee_rate == 0.0  # only the hard-hit flee
    assert ev.stock_lost(40, "wheat", flood) == 12 and ev.stock_lost(40, "iron", flood) == 0


def test_refugees_flee_to_the_nearest_town_hit_less_hard():
    hit = {1: 0.8, 2: 0.8, 3: 0.2, 4: 0.1}
    assert ev.refuge_for(1, LINE, hit) == 3  # town 2 is as flooded as town 1
    assert ev.refuge_for(5, LINE, {5: 0.0}) is None  # nowhere safer


def test_intensity_is_per_town_so_a_sprawling_region_is_not_hit_everywhere():
    towns = ev.town_reach(kind="festival", severity=10, epicentre=[1], links=LINE)
    assert towns == {1: (0, 1.0), 2: (1, 0.5), 3: (2, 0.25)}
    sprawling = {1: 10, 2: 10, 3: 10, 4: 10, 5: 10}  # one region spread along the whole line
    assert ev.by_region(towns, sprawling) == {10: (0, 1.0)}
    assert 4 not in towns and 5 not in towns  # its far end does not celebrate


def test_an_event_moves_the_prices_of_the_goods_it_touches_only():
    assert ev.goods_touched("flood") == {"wheat", "flour", "cheese", "fish", "bread"}
    assert ev.goods_touched("festival") == {"ale-mug", "meat"}
    assert ev.goods_touched("fire") is None  # every workshop burns: any good
    assert ev.goods_touched("custom", {"safety": -5}) == frozenset()
    assert ev.goods_touched("custom", {"prices": 1.5}) is None


def _region(npcs_per_town: int = 20):
    npcs = []
    professions = ["farmer"] * 10 + ["miller", "baker", "guard", "merchant"] + ["farmer"] * 6
    for town in (1, 2):
        for i in range(npcs_per_town):
            npc_id = town * 100 + i
            profession = professions[i % len(professions)]
            npcs.append(sim.NpcState(npc_id, town, profession, 80, 80, 70, 60, "idle", 100, 1, 0))
    books = {
        town: MarketBook(
            cash=5000,
            treasury=500,
            stocks={
                "wheat": Stock(quantity=40, price=1, base_price=1, target=40),
                "flour": Stock(quantity=40, price=2, base_price=2, target=40),
                "bread": Stock(quantity=40, price=2, base_price=2, target=40),
            },
        )
        for town in (1, 2)
    }
    return npcs, books


def test_the_preview_predicts_the_flood_without_touching_its_inputs():
    npcs, books = _region()
    before = (
        [(n.id, n.hunger, n.purse) for n in npcs],
        {t: b.stocks["wheat"].quantity for t, b in books.items()},
    )
    result = preview_region(
        npcs,
        books,
        {1: 60, 2: 60},
        kind="flood",
        towns={1: 1.0, 2: 1.0},
        effects=None,
        hours=[8, 9, 10, 11, 12, 13],
        first_tick=9,
        seed=3,
        epicentre=1,
    )
    assert (
        [(n.id, n.hunger, n.purse) for n in npcs],
        {t: b.stocks["wheat"].quantity for t, b in books.items()},
    ) == before
    base_wheat, flood_wheat = result["production"]["wheat"]
    assert base_wheat > 0 and flood_wheat == 0  # the fields are under water
    assert result["needs"]["safety"][1] < result["needs"]["safety"][0]
    assert result["prices"]["wheat"][1] >= result["prices"]["wheat"][0]
    assert result["people"] == [40, 40 - result["deaths"] - result["refugees"]] and result["refugees"] == 2


def test_alliances_draw_factions_into_a_war_on_one_side_only():
    stances = {
        (3, 1): "Ally",  # 3 stands with the aggressor 1
        (2, 4): "Vassal",  # 4 is 2's suzerain... and 2 is the defender: 4 stands with 2
        (5, 1): "Ally",
        (5, 2): "Ally",  # bound to both: stays out
        (6, 1): "Friendly",  # friendship is not an alliance
    }
    assert ev.war_allies(1, 2, stances) == ({3}, {4})


def test_allies_feel_a_war_at_half_the_intensity():
    links = {1: [2], 2: [1, 3], 3: [2, 4], 4: [3]}
    region_of = {1: 10, 2: 11, 3: 12, 4: 13}
    reach = ev.war_reach(severity=8, sides=({2}, {3}), links=links, region_of=region_of, allies=({1}, set()))
    assert reach[11] == (1, 0.6) and reach[12] == (1, 0.6)
    assert reach[10] == (2, 0.225)  # two hops from the enemy: 0.45, halved for an ally
    assert 13 not in reach  # town 4 belongs to no one in this war
