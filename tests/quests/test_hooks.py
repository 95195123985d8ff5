"""Hook detection: pure functions over hand-made snapshots (no database)."""

from __future__ import annotations

import random

from quests import hooks as h
from tests.quests.snapshots import ITEM_IDS, VILLAGE, market, people, snapshot, town

HOME, OTHER = 1, 2


def calm_world(**kw):
    towns = [town(HOME, "Searing"), town(OTHER, "Dunster")]
    return snapshot(
        towns=towns,
        goods=[*market(HOME), *market(OTHER)],
        npcs=[*people(HOME, VILLAGE), *people(OTHER, VILLAGE)],
        routes=[h.RouteInfo(id=7, a_id=HOME, b_id=OTHER, kind="road", distance_km=30)],
        factions={1: h.FactionInfo(1, "Conzia")},
        **kw,
    )


def only(candidates, kind):
    found = [c for c in candidates if c.kind == kind]
    assert len(found) == 1, found
    return found[0]


def by_id(snap):
    return {n.id: n for n in snap.npcs}


def test_a_calm_world_has_no_troubles():
    assert h.hooks_detect(calm_world()) == []


def test_a_bread_shortage_is_a_comfort_hook_given_by_a_baker():
    snap = calm_world()
    snap.goods = [*market(HOME, bread={"quantity": 3, "target": 40}), *market(OTHER)]

    hook = only(h.hooks_detect(snap), h.SHORTAGE)

    assert hook.key == f"shortage:settlement:{HOME}:bread"
    assert hook.motivation == "comfort"
    assert hook.settlement_id == HOME and hook.item_id == ITEM_IDS["bread"]
    npcs = by_id(snap)
    assert npcs[hook.giver_id].profession == "baker"
    assert npcs[hook.giver_id].settlement_id == HOME
    assert hook.involved_ids[0] == hook.giver_id
    assert 2 <= len(hook.involved_ids) <= h.MAX_INVOLVED
    assert all(npcs[i].settlement_id == HOME for i in hook.involved_ids)
    assert hook.facts["quantity"] == 3 and hook.facts["target"] == 40
    assert hook.facts["shortfall_percent"] == (40 - 3) * 100 // 40
    assert 0 < hook.severity <= hook.facts["shortfall_percent"]
    assert "Bread" in hook.summary and "Searing" in hook.summary


def test_a_flour_shortage_is_given_by_the_baker_who_needs_it():
    snap = calm_world()
    snap.goods = [*market(HOME, flour={"quantity": 0}), *market(OTHER)]

    hook = only(h.hooks_detect(snap), h.SHORTAGE)

    assert by_id(snap)[hook.giver_id].profession == "baker"
    assert hook.motivation == "wealth"  # flour is not eaten: the bakers' living is at stake


def test_the_giver_is_the_richest_of_the_place_when_no_trade_is_touched():
    snap = calm_world()
    snap.goods = [*market(HOME, iron={"quantity": 0, "target": 10}), *market(OTHER)]  # no smith in VILLAGE

    hook = only(h.hooks_detect(snap), h.SHORTAGE)

    here = [n for n in snap.npcs if n.settlement_id == HOME]
    assert hook.giver_id == max(here, key=lambda n: (n.purse, -n.id)).id


def test_the_same_trouble_ranks_higher_where_it_touches_more_people():
    snap = calm_world()
    snap.goods = [*market(HOME, bread={"quantity": 0}), *market(OTHER, bread={"quantity": 0})]
    snap.npcs = [*people(HOME, VILLAGE), *people(OTHER, {"baker": 2, "farmer": 150})]
    snap.needs = h.needs_summarise(snap.npcs)

    small, big = sorted(h.hooks_detect(snap), key=lambda c: c.settlement_id)

    assert big.severity == 100  # a hundred people or more: the full shortfall
    assert small.severity == 100 * (h.REACH_FLOOR_PERCENT + 50 * 13 // h.REACH_FULL_NPCS) // 100
    assert h.rank([small, big]) == [big, small]


def test_dear_goods_are_a_wealth_hook_given_by_a_merchant():
    snap = calm_world()
    snap.goods = [*market(HOME, meat={"price": 120}), *market(OTHER)]

    hook = only(h.hooks_detect(snap), h.DEAR_GOODS)

    assert hook.key == f"dear_goods:settlement:{HOME}:meat"
    assert hook.motivation == "wealth"
    assert by_id(snap)[hook.giver_id].profession == "merchant"
    assert hook.facts["price_percent"] == 400


def test_a_short_good_is_not_also_reported_as_dear():
    snap = calm_world()
    snap.goods = [*market(HOME, bread={"quantity": 0, "price": 8}), *market(OTHER)]

    kinds = [c.kind for c in h.hooks_detect(snap)]

    assert kinds == [h.SHORTAGE]


def test_many_hungry_people_are_an_unmet_needs_hook():
    snap = calm_world()
    snap.npcs = [*people(HOME, VILLAGE, hunger=10), *people(OTHER, VILLAGE)]
    snap.needs = h.needs_summarise(snap.npcs)

    hook = only(h.hooks_detect(snap), h.UNMET_NEEDS)

    assert hook.key == f"unmet_needs:settlement:{HOME}:hunger"
    assert hook.motivation == "comfort"
    assert by_id(snap)[hook.giver_id].profession == "priest"
    assert hook.facts["affected"] == sum(VILLAGE.values())


def test_a_few_hungry_people_are_not_a_trouble():
    snap = calm_world()
    hungry = people(HOME, {"farmer": h.UNMET_MIN_NPCS - 1}, hunger=5)
    snap.npcs = [*people(HOME, VILLAGE), *hungry, *people(OTHER, VILLAGE)]
    snap.needs = h.needs_summarise(snap.npcs)

    assert h.hooks_detect(snap) == []


def test_an_unsafe_town_is_a_serenity_hook_given_by_a_guard():
    snap = calm_world()
    snap.npcs = [*people(HOME, VILLAGE, safety=44), *people(OTHER, VILLAGE)]
    snap.needs = h.needs_summarise(snap.npcs)

    hook = only(h.hooks_detect(snap), h.UNMET_NEEDS)

    assert hook.key == f"unmet_needs:settlement:{HOME}:safety"
    assert hook.motivation == "serenity"
    assert by_id(snap)[hook.giver_id].profession == "guard"


def test_a_route_ending_where_people_feel_unsafe_is_dangerous():
    snap = calm_world()
    snap.npcs = [*people(HOME, VILLAGE), *people(OTHER, VILLAGE, safety=40)]
    snap.needs = h.needs_summarise(snap.npcs)

    hook = only(h.hooks_detect(snap), h.DANGEROUS_ROUTE)

    assert hook.key == "dangerous_route:route:7"
    assert hook.motivation == "protection"
    assert hook.settlement_id == OTHER  # where the danger is felt
    assert hook.facts["reason"] == "unsafe_end"
    npcs = by_id(snap)
    assert npcs[hook.giver_id].profession == "guard"
    assert {npcs[i].settlement_id for i in hook.involved_ids} == {HOME, OTHER}


def war_world():
    towns = [
        town(HOME, "Marcete", faction=1, population=3000),
        town(OTHER, "Mondica", faction=2, population=1000),
        town(3, "Capital", faction=1, population=9000, capital=True),
    ]
    return snapshot(
        towns=towns,
        goods=[*market(HOME), *market(OTHER), *market(3)],
        npcs=[*people(HOME, VILLAGE), *people(OTHER, VILLAGE), *people(3, VILLAGE)],
        routes=[
            h.RouteInfo(id=7, a_id=HOME, b_id=OTHER, kind="road", distance_km=30),
            h.RouteInfo(id=8, a_id=HOME, b_id=3, kind="road", distance_km=50),
        ],
        factions={1: h.FactionInfo(1, "Conzia"), 2: h.FactionInfo(2, "Ormscast")},
        enemies={(1, 2)},
    )


def test_factions_at_war_give_a_war_hook_on_the_front():
    snap = war_world()

    hook = only(h.hooks_detect(snap), h.WAR)

    assert hook.key == "war:factions:1:2"
    assert hook.motivation == "protection"
    assert hook.settlement_id == OTHER  # the weaker side's border town holds the front
    assert (hook.faction_id, hook.rival_faction_id) == (2, 1)
    assert by_id(snap)[hook.giver_id].profession == "guard"
    assert hook.facts["border_routes"] == 1


def test_a_war_without_a_shared_border_is_a_conquest_planned_at_the_stronger_capital():
    snap = war_world()
    snap.routes = [r for r in snap.routes if r.id != 7]

    hook = only(h.hooks_detect(snap), h.WAR)

    assert hook.motivation == "conquest"
    assert hook.settlement_id == 3


def test_a_route_between_enemies_is_a_war_front():
    snap = war_world()

    hook = only(h.hooks_detect(snap), h.DANGEROUS_ROUTE)

    assert hook.route_id == 7
    assert hook.facts["reason"] == "war_front"
    assert hook.settlement_id == HOME  # the larger end
    assert hook.rival_faction_id == 2


def test_neutral_lands_wage_no_war():
    snap = war_world()
    snap.factions[2] = h.FactionInfo(2, "Neutrals", is_neutral=True)

    assert [c for c in h.hooks_detect(snap) if c.kind == h.WAR] == []


def test_a_recent_local_chronicle_event_is_a_knowledge_hook():
    snap = calm_world(
        chronicle=[
            h.ChronicleInfo(
                id=90, tick=45, kind="event", text="A comet fell by the mill.", settlement_id=HOME
            ),
            h.ChronicleInfo(id=91, tick=45, kind="economy", text="Markets opened.", settlement_id=None),
            h.ChronicleInfo(id=92, tick=1, kind="event", text="Long ago.", settlement_id=HOME),
        ]
    )

    hook = only(h.hooks_detect(snap), h.CHRONICLE_EVENT)

    assert hook.key == "chronicle_event:chronicle:90"
    assert hook.motivation == "knowledge"
    assert hook.chronicle_entry_id == 90
    assert "comet" in hook.summary


def troubled_world():
    towns = [town(i, f"Town {i}") for i in range(1, 11)]
    goods, npcs = [], []
    for t in towns:
        goods += market(t.id, bread={"quantity": t.id - 1}, cheese={"quantity": 0}, meat={"price": 120})
        npcs += people(t.id, VILLAGE, hunger=10)
    return snapshot(towns=towns, goods=goods, npcs=npcs)


def test_keys_are_stable_whatever_the_order_of_the_snapshot():
    snap = troubled_world()
    first = [c.key for c in h.hooks_detect(snap)]
    random.Random(3).shuffle(snap.goods)
    random.Random(4).shuffle(snap.npcs)
    again = h.hooks_detect(snap)

    assert [c.key for c in again] == first
    assert len(set(first)) == len(first)
    assert [(c.key, c.giver_id) for c in again] == [(c.key, c.giver_id) for c in h.hooks_detect(snap)]


def test_candidates_are_ranked_most_pressing_first():
    severities = [c.severity for c in h.hooks_detect(troubled_world())]

    assert severities == sorted(severities, reverse=True)


def test_a_scan_raises_a_capped_number_of_new_troubles():
    candidates = h.hooks_detect(troubled_world())
    assert len(candidates) == 40  # 10 towns × (bread, cheese, dear meat, hunger)

    picked = h.hooks_pick_new(candidates, limit=8, per_kind=3, per_settlement=1).picked

    assert len(picked) == 8
    assert max(sum(1 for c in picked if c.kind == k) for k in h.KINDS) <= 3
    assert len({c.settlement_id for c in picked}) == 8


def test_known_troubles_are_not_raised_again():
    candidates = h.hooks_detect(troubled_world())
    known = {c.key for c in candidates[:5]}

    picked = h.hooks_pick_new(
        candidates, known_keys=known, limit=100, per_kind=100, per_settlement=100
    ).picked

    assert {c.key for c in picked} == {c.key for c in candidates} - known


def test_a_full_kind_takes_only_troubles_more_pressing_than_its_least():
    candidates = h.hooks_detect(troubled_world())
    top = candidates[0].severity
    lots = {"limit": 100, "per_kind": 100, "per_settlement": 100, "max_open_per_kind": 3}

    full_of_trivia = h.hooks_pick_new(
        candidates, open_hooks=[(h.SHORTAGE, 10), (h.SHORTAGE, 10), (h.SHORTAGE, top)], **lots
    )
    full_of_urgent = h.hooks_pick_new(candidates, open_hooks=[(h.SHORTAGE, top)] * 3, **lots)

    assert full_of_trivia.displace == {h.SHORTAGE: 2}
    assert sum(1 for c in full_of_trivia.picked if c.kind == h.SHORTAGE) == 2
    assert full_of_urgent.displace == {}
    assert all(c.kind != h.SHORTAGE for c in full_of_urgent.picked)
    # Other kinds are not held back by a full list of shortages.
    assert {c.kind for c in full_of_urgent.picked} == {h.DEAR_GOODS, h.UNMET_NEEDS}
    assert sum(1 for c in full_of_urgent.picked if c.kind == h.DEAR_GOODS) == 3


def test_item_professions_follow_the_recipes():
    assert h.item_professions("flour") == (("baker",), ("miller",))
    assert h.item_professions("bread") == ((), ("baker",))
