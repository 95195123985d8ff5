"""Validation of quest drafts against the world: each check passes on a good draft and fails,
with its code, on a draft broken in just that way (pure functions, no database)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quests import validation as v

GIVER, SMITH, HERMIT = 10, 11, 12
HOME, MARKET_TOWN, ISLAND, ISLAND_MINE = 1, 2, 3, 4


@pytest.fixture
def facts() -> v.WorldFacts:
    """Home ↔ Market town by road; an island with its mine, linked to nothing else."""
    return v.WorldFacts(
        settlement_ids=frozenset({HOME, MARKET_TOWN, ISLAND, ISLAND_MINE}),
        npcs={
            GIVER: v.NpcFact(GIVER, HOME, purse=500, profession="baker"),
            SMITH: v.NpcFact(SMITH, MARKET_TOWN, purse=80, profession="smith"),
            HERMIT: v.NpcFact(HERMIT, ISLAND, purse=5, profession="fisher"),
        },
        item_codes=frozenset({"bread", "iron", "hammer", "silk"}),
        stocked={"bread": frozenset({MARKET_TOWN}), "iron": frozenset({ISLAND_MINE})},
        produced={"hammer": frozenset({MARKET_TOWN})},
        adjacency={
            HOME: frozenset({MARKET_TOWN}),
            MARKET_TOWN: frozenset({HOME}),
            ISLAND: frozenset({ISLAND_MINE}),
            ISLAND_MINE: frozenset({ISLAND}),
        },
        routes={7: (HOME, MARKET_TOWN), 8: (ISLAND, ISLAND_MINE)},
    )


Obj = v.ObjectiveDraft


@pytest.fixture
def draft() -> v.QuestDraft:
    """Go to the market town, fetch bread and hear the smith out, bring the bread home."""
    return v.QuestDraft(
        giver_id=GIVER,
        settlement_id=HOME,
        reward_cp=100,
        objectives=(
            Obj("go", "go_to", settlement_id=MARKET_TOWN),
            Obj("bread", "fetch", item_code="bread", quantity=5, requires=("go",)),
            Obj("smith", "talk", npc_id=SMITH, requires=("go",)),
            Obj("home", "deliver", item_code="bread", npc_id=GIVER, quantity=5, requires=("bread", "smith")),
        ),
    )


def with_objective(draft: v.QuestDraft, which: str, **changes) -> v.QuestDraft:
    return replace(
        draft, objectives=tuple(replace(o, **changes) if o.key == which else o for o in draft.objectives)
    )


def test_a_good_draft_passes(draft, facts):
    report = v.validate_quest(draft, facts)

    assert report.ok, report.problems
    assert report.as_dict() == {"ok": True, "problems": []}


def test_a_draft_from_plain_dicts_passes(facts):
    draft = v.QuestDraft.from_dict(
        {
            "giver_id": GIVER,
            "settlement_id": HOME,
            "reward_cp": 40,
            "objectives": [
                {"key": "go", "action": "go_to", "settlement_id": MARKET_TOWN, "requires": []},
                {"key": "buy", "action": "fetch", "item": "hammer", "quantity": 1, "requires": ["go"]},
                {"key": "back", "action": "report", "npc_id": GIVER, "requires": ["buy"]},
            ],
        }
    )

    assert v.validate_quest(draft, facts).ok


BROKEN = {
    "unknown npc": (lambda d: with_objective(d, "smith", npc_id=999), v.UNKNOWN_NPC, "smith"),
    "dead or unknown giver": (lambda d: replace(d, giver_id=999), v.UNKNOWN_GIVER, None),
    "unknown settlement": (lambda d: with_objective(d, "go", settlement_id=999), v.UNKNOWN_SETTLEMENT, "go"),
    "unknown item": (lambda d: with_objective(d, "bread", item_code="unobtainium"), v.UNKNOWN_ITEM, "bread"),
    "unknown route": (lambda d: with_objective(d, "go", route_id=99), v.UNKNOWN_ROUTE, "go"),
    "unreachable settlement": (
        lambda d: with_objective(d, "go", settlement_id=ISLAND),
        v.UNREACHABLE_PLACE,
        "go",
    ),
    "npc living somewhere unreachable": (
        lambda d: with_objective(d, "smith", npc_id=HERMIT),
        v.UNREACHABLE_PLACE,
        "smith",
    ),
    "route unreachable": (lambda d: with_objective(d, "go", route_id=8), v.UNREACHABLE_PLACE, "go"),
    "item nobody stocks or makes": (
        lambda d: with_objective(d, "bread", item_code="silk"),
        v.UNOBTAINABLE_ITEM,
        "bread",
    ),
    "item only found somewhere unreachable": (
        lambda d: with_objective(d, "bread", item_code="iron"),
        v.UNOBTAINABLE_ITEM,
        "bread",
    ),
    "unaffordable reward": (lambda d: replace(d, reward_cp=501), v.UNAFFORDABLE_REWARD, None),
    "negative reward": (lambda d: replace(d, reward_cp=-1), v.NEGATIVE_REWARD, None),
    "two starts": (lambda d: with_objective(d, "smith", requires=()), v.MULTIPLE_STARTS, "smith"),
    "a cycle": (lambda d: with_objective(d, "bread", requires=("go", "home")), v.CYCLE, "bread"),
    "unknown requires key": (
        lambda d: with_objective(d, "home", requires=("bread", "smith", "dance")),
        v.UNKNOWN_REQUIRES,
        "home",
    ),
    # In a graph with one start and no cycle every objective is reachable, so an orphan is
    # always an objective waiting on something that can never be done.
    "orphan objective": (
        lambda d: replace(
            d,
            objectives=(
                *d.objectives,
                Obj("ghost", "talk", npc_id=SMITH, requires=("echo",)),
                Obj("echo", "talk", npc_id=SMITH, requires=("ghost",)),
            ),
        ),
        v.ORPHAN_OBJECTIVE,
        "ghost",
    ),
    "participant without outcome": (
        lambda d: with_objective(d, "smith", action="spy"),
        v.PARTICIPANT_WITHOUT_OUTCOME,
        "smith",
    ),
    "no objectives": (lambda d: replace(d, objectives=()), v.NO_OBJECTIVES, None),
    "duplicate key": (lambda d: with_objective(d, "smith", key="bread"), v.DUPLICATE_KEY, "bread"),
    "unknown action": (lambda d: with_objective(d, "smith", action="sing"), v.UNKNOWN_ACTION, "smith"),
    "missing target": (lambda d: with_objective(d, "smith", npc_id=None), v.MISSING_TARGET, "smith"),
    "zero quantity": (lambda d: with_objective(d, "bread", quantity=0), v.BAD_QUANTITY, "bread"),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_draft_fails_with_its_code(name, draft, facts):
    break_it, code, objective_key = BROKEN[name]

    report = v.validate_quest(break_it(draft), facts)

    assert not report.ok
    assert code in report.codes, report.problems
    problem = next(p for p in report.problems if p.code == code)
    assert problem.objective_key == objective_key
    assert problem.message  # a sentence for the GM, not just a code


def test_a_circle_of_objectives_has_no_start_and_no_finish(draft, facts):
    circle = replace(
        draft,
        objectives=(
            Obj("a", "talk", npc_id=SMITH, requires=("b",)),
            Obj("b", "talk", npc_id=SMITH, requires=("a",)),
        ),
    )

    report = v.validate_quest(circle, facts)

    assert {v.NO_START, v.NO_FINISH, v.CYCLE, v.ORPHAN_OBJECTIVE} <= report.codes
    assert "a → b → a" in next(p.message for p in report.problems if p.code == v.CYCLE)


def test_the_reward_already_in_escrow_counts_towards_what_the_giver_can_pay(draft, facts):
    assert v.validate_quest(replace(draft, reward_cp=550, escrow_cp=50), facts).ok
    assert not v.validate_quest(replace(draft, reward_cp=551, escrow_cp=50), facts).ok


def test_every_problem_is_reported_not_only_the_first(draft, facts):
    broken = with_objective(replace(draft, reward_cp=10_000), "smith", npc_id=999)

    assert {v.UNKNOWN_NPC, v.UNAFFORDABLE_REWARD} <= v.validate_quest(broken, facts).codes


def test_the_giver_gets_an_outcome_by_being_the_giver(draft, facts):
    spied = with_objective(draft, "smith", action="spy", npc_id=GIVER)

    assert v.PARTICIPANT_WITHOUT_OUTCOME not in v.validate_quest(spied, facts).codes


def test_the_action_list_matches_the_model():
    from quests.models import QuestObjective

    assert set(v.ACTIONS) == set(QuestObjective.Action.values) == set(v.ACTION_TARGETS)
