"""The NPC rules as pure functions: needs, routines, the utility choice."""

from npcs.sim import (
    EAT,
    IDLE,
    SLEEP,
    SOCIALISE,
    WORK,
    Needs,
    choose_activity,
    decay_needs,
    routine_activity,
    settlement_safety,
    urgency,
    utility_scores,
)

FED = Needs(hunger=90, rest=90, social=90, safety=60)


def test_needs_decay_by_the_hour_while_awake():
    after = decay_needs(Needs(hunger=50, rest=50, social=50, safety=50), WORK, safety_level=50)
    assert after == Needs(hunger=46, rest=46, social=48, safety=50)


def test_sleep_restores_rest_and_needs_stay_in_bounds():
    assert decay_needs(Needs(hunger=2, rest=95, social=1, safety=0), SLEEP, safety_level=0) == Needs(
        0, 100, 0, 0
    )


def test_safety_drifts_towards_the_settlement_level():
    assert decay_needs(Needs(90, 90, 90, 30), IDLE, safety_level=80).safety == 35
    assert decay_needs(Needs(90, 90, 90, 90), IDLE, safety_level=40).safety == 85


def test_routines_differ_by_profession():
    assert routine_activity("farmer", 3) == SLEEP
    assert routine_activity("farmer", 7) == WORK
    assert routine_activity("farmer", 12) == EAT
    assert routine_activity("farmer", 19) == SOCIALISE
    assert routine_activity("baker", 3) == WORK  # bakers start before dawn
    assert routine_activity("innkeeper", 22) == WORK
    assert routine_activity("innkeeper", 5) == SLEEP


def test_every_third_guard_keeps_the_night_watch():
    assert routine_activity("guard", 2, npc_id=3) == WORK
    assert routine_activity("guard", 2, npc_id=4) == SLEEP


def test_a_well_fed_npc_follows_its_routine():
    for hour in range(24):
        assert choose_activity(FED, routine_activity("smith", hour), purse=100) == routine_activity(
            "smith", hour
        )


def test_a_starving_npc_eats_instead_of_working():
    starving = Needs(hunger=5, rest=90, social=90, safety=60)
    assert choose_activity(starving, WORK, purse=100) == EAT


def test_an_exhausted_npc_sleeps_instead_of_socialising():
    assert choose_activity(Needs(hunger=90, rest=3, social=60, safety=60), SOCIALISE, purse=100) == SLEEP


def test_utility_scores_rank_urgent_needs_and_the_routine():
    scores = utility_scores(Needs(hunger=50, rest=100, social=100, safety=60), WORK, purse=5)
    assert scores[EAT] == urgency(50) == 0.25
    assert scores[WORK] == 0.3 + 0.5  # poor, and it's the routine
    assert scores[SLEEP] == 0.0


def test_settlement_safety_rewards_walls_and_guards():
    bare = settlement_safety(has_walls=False, has_citadel=False, guards=0, npcs=100)
    walled = settlement_safety(has_walls=True, has_citadel=True, guards=4, npcs=100)
    assert bare == 40
    assert walled == 40 + 15 + 10 + 20
    assert settlement_safety(has_walls=True, has_citadel=True, guards=50, npcs=100) == 95
