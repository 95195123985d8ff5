"""The template narrator on hand-made facts: grounded, valid for every hook kind, deterministic, varied."""

from __future__ import annotations

import pytest

from quests.narration import NarrationContext, Person, Place, objectives_template, plot_template
from quests.validation import NpcFact, QuestDraft, WorldFacts, validate_quest

HOME, NEXT, FAR, ENEMY = (
    Place(1, "Amberley"),
    Place(2, "Brookfield"),
    Place(3, "Cold Harbour"),
    Place(4, "Dunmere"),
)
GIVER = Person(10, "Mara Thorn", "baker", HOME.id)
GUARD = Person(11, "Jon Vale", "guard", HOME.id)
WITNESS = Person(12, "Old Pell", "priest", HOME.id)

FACTS = WorldFacts(
    settlement_ids=frozenset({1, 2, 3, 4}),
    npcs={
        GIVER.id: NpcFact(GIVER.id, HOME.id, purse=200, profession="baker"),
        GUARD.id: NpcFact(GUARD.id, HOME.id, purse=50, profession="guard"),
        WITNESS.id: NpcFact(WITNESS.id, HOME.id, purse=50, profession="priest"),
    },
    item_codes=frozenset({"bread", "iron"}),
    stocked={"bread": frozenset({2}), "iron": frozenset({3})},
    adjacency={1: frozenset({2, 4}), 2: frozenset({1, 3}), 3: frozenset({2}), 4: frozenset({1})},
    routes={7: (1, 2), 8: (2, 3), 9: (1, 4)},
)

BASE = {
    "home": HOME,
    "giver": GIVER,
    "giver_purse": 200,
    "involved": (WITNESS,),
    "guard": GUARD,
    "severity": 60,
}
CONTEXTS = {
    "shortage": NarrationContext(
        hook_key="shortage:settlement:1:bread",
        kind="shortage",
        motivation="comfort",
        summary="Bread is short in Amberley.",
        facts={"settlement": "Amberley", "item": "bread", "quantity": 2, "target": 40, "price": 3},
        item_code="bread",
        item_name="Bread",
        item_source=NEXT,
        **BASE,
    ),
    "dear_goods": NarrationContext(
        hook_key="dear_goods:settlement:1:iron",
        kind="dear_goods",
        motivation="wealth",
        summary="Iron is dear in Amberley.",
        facts={"item": "iron", "price": 40, "base_price": 10, "quantity": 30, "target": 40},
        item_code="iron",
        item_name="Iron",
        item_source=FAR,
        **BASE,
    ),
    "unmet_hunger": NarrationContext(
        hook_key="unmet_needs:settlement:1:hunger",
        kind="unmet_needs",
        motivation="comfort",
        summary="12 of 20 people of Amberley go hungry.",
        facts={"need": "hunger", "affected": 12, "npcs": 20},
        food_code="bread",
        food_name="Bread",
        food_source=NEXT,
        **BASE,
    ),
    "unmet_safety": NarrationContext(
        hook_key="unmet_needs:settlement:1:safety",
        kind="unmet_needs",
        motivation="serenity",
        summary="12 of 20 people of Amberley feel unsafe.",
        facts={"need": "safety", "affected": 12, "npcs": 20},
        **BASE,
    ),
    "dangerous_route": NarrationContext(
        hook_key="dangerous_route:route:7",
        kind="dangerous_route",
        motivation="protection",
        summary="The road between Amberley and Brookfield is dangerous.",
        facts={"reason": "unsafe_end", "route_kind": "road", "distance_km": 12.5, "to": "Brookfield"},
        route_id=7,
        route_far=NEXT,
        **BASE,
    ),
    "war": NarrationContext(
        hook_key="war:factions:1:2",
        kind="war",
        motivation="protection",
        summary="Red and Blue are at war; Amberley stands on the front.",
        facts={"factions": ["Red", "Blue"]},
        rival_town=ENEMY,
        **BASE,
    ),
    "chronicle_event": NarrationContext(
        hook_key="chronicle_event:chronicle:5",
        kind="chronicle_event",
        motivation="knowledge",
        summary="In Amberley: the granary burned.",
        facts={"text": "The granary burned."},
        **BASE,
    ),
}


def draft_for(ctx: NarrationContext) -> QuestDraft:
    plot = plot_template(ctx)
    objectives = objectives_template(ctx)
    return QuestDraft.from_dict(
        {
            "giver_id": plot.giver_npc_id,
            "settlement_id": HOME.id,
            "reward_cp": plot.reward_cp,
            "objectives": [o.model_dump() for o in objectives.objectives],
        }
    )


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_template_quests_validate_for_every_kind_of_hook(name):
    report = validate_quest(draft_for(CONTEXTS[name]), FACTS)

    assert report.ok, report.as_dict()


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_template_plot_is_grounded_in_the_facts(name):
    ctx = CONTEXTS[name]

    plot = plot_template(ctx)

    assert plot.giver_npc_id == GIVER.id
    assert plot.motivation == ctx.motivation
    assert GIVER.name in plot.pitch
    assert 0 < plot.reward_cp <= ctx.giver_purse // 2


def test_a_shortage_sends_the_party_to_the_neighbour_that_stocks_the_item():
    objectives = objectives_template(CONTEXTS["shortage"]).objectives

    assert [o.action for o in objectives] == ["talk", "go_to", "fetch", "deliver", "report"]
    assert objectives[1].settlement_id == NEXT.id
    assert objectives[2].item_code == "bread" and objectives[2].quantity == 12  # half of 40 - 2, capped
    assert objectives[3].npc_id == GIVER.id
    assert all(o.requires == [prev.key] for prev, o in zip(objectives, objectives[1:], strict=False))


def test_a_war_sends_a_spy_into_the_enemy_town():
    objectives = objectives_template(CONTEXTS["war"]).objectives

    spy = next(o for o in objectives if o.action == "spy")
    assert spy.settlement_id == ENEMY.id


def test_the_template_is_deterministic_per_hook():
    ctx = CONTEXTS["shortage"]

    assert plot_template(ctx) == plot_template(ctx)
    assert objectives_template(ctx) == objectives_template(ctx)


def test_different_hooks_read_differently():
    base = CONTEXTS["shortage"]
    plots = [
        plot_template(NarrationContext(**{**base.__dict__, "hook_key": f"shortage:{n}"})) for n in range(10)
    ]

    assert len({p.title for p in plots}) >= 4
    assert len({p.pitch for p in plots}) >= 2
    assert len({p.twist for p in plots}) >= 3


def test_an_unreachable_item_does_not_name_it_and_still_validates():
    ctx = NarrationContext(**{**CONTEXTS["shortage"].__dict__, "item_source": None})

    objectives = objectives_template(ctx).objectives

    assert all(o.item_code is None for o in objectives)
    assert validate_quest(draft_for(ctx), FACTS).ok
