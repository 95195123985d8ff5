"""Per-NPC services and tasks: the same rules as the tick, for one NPC."""

import pytest

from economy.models import Market, MarketStock
from npcs import tasks
from npcs.models import Npc
from npcs.services import (
    BAD_ROUTINE_STEP,
    NPC_NOT_FOUND,
    NpcNotFound,
    npc_action_dispatch,
    npc_routine_execute,
)
from tests.world.world_fixtures import small_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return small_world(regions=1, towns_per_region=1)


def npc_of(world, profession: str) -> Npc:
    return Npc.objects.filter(world=world, profession=profession).order_by("id").first()


def test_needs_update_task_decays_one_hour(world):
    npc = npc_of(world, "farmer")
    npc.activity, npc.hunger, npc.rest, npc.social = "work", 60, 60, 60
    npc.save()

    result = tasks.npc_needs_update_task(npc.pk)

    npc.refresh_from_db()
    assert (npc.hunger, npc.rest, npc.social) == (56, 56, 58)
    assert result["hunger"] == 56


def test_consumption_task_buys_bread_at_the_market(world):
    npc = npc_of(world, "farmer")
    npc.hunger, npc.purse, npc.food = 40, 40, 0  # a meal budget of 4 cp: bread
    npc.save()
    bread = MarketStock.objects.get(market__settlement=npc.settlement, item__code="bread")

    result = tasks.process_npc_consumption_task(npc.pk)

    npc.refresh_from_db()
    bread.refresh_from_db()
    assert result["bought"] == 1 and npc.hunger == 70
    assert npc.purse == 40 - 2 - 2 and npc.food == 1  # a loaf eaten, one put in the empty larder
    assert bread.quantity == 40 - 2


def test_production_task_sells_a_farmers_wheat(world):
    npc = npc_of(world, "farmer")
    market = Market.objects.get(settlement=npc.settlement)

    result = tasks.process_npc_production_task(npc.pk)

    npc.refresh_from_db()
    market.refresh_from_db()
    assert result["produced"] == {"wheat": 6}
    assert npc.purse == 100 + 4  # 6 wheat × 1 cp × 80%
    assert market.cash == 5000 - 4


def test_routine_task_follows_the_hour_and_leaves_tick_bookkeeping_alone(world):
    npc = npc_of(world, "farmer")

    tasks.npc_routine_execution_task(npc.pk, 7)

    npc.refresh_from_db()
    assert npc.activity == "work" and npc.last_tick == 0


def test_routine_step_must_be_an_hour(world):
    npc = npc_of(world, "farmer")
    with pytest.raises(ValueError, match="routine_step must be an hour") as err:
        npc_routine_execute(npc_id=npc.pk, routine_step=25)
    assert str(err.value) == BAD_ROUTINE_STEP.format(value=25)


def test_decision_task_returns_the_utility_choice(world):
    npc = npc_of(world, "baker")
    npc.hunger = 5
    npc.save()

    result = tasks.npc_decision_making_task(npc.pk, {"hour": 3})

    assert result["scheduled"] == "work" and result["choice"] == "eat"
    assert result["scores"]["eat"] > result["scores"]["work"]


def test_observe_notices_empty_shelves(world):
    npc = npc_of(world, "farmer")
    MarketStock.objects.filter(market__settlement=npc.settlement, item__code="bread").update(quantity=0)

    result = tasks.npc_observe_environment_task(npc.pk)

    assert "bread is running short at the market (0 left)" in result["observations"]


def test_a_missing_npc_is_reported_not_raised(world):
    assert tasks.npc_needs_update_task(999_999) == {
        "npc": 999_999,
        "error": NPC_NOT_FOUND.format(npc_id=999_999),
    }
    with pytest.raises(NpcNotFound):
        from npcs.services import npc_decide

        npc_decide(npc_id=999_999)


def test_dispatch_happens_after_commit_and_returns_the_task_id(world, django_capture_on_commit_callbacks):
    npc = npc_of(world, "farmer")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_id = npc_action_dispatch(npc=npc, action="observe")
    assert len(callbacks) == 1 and len(task_id) == 36


def test_the_safety_selector_agrees_with_the_tick(world):
    from npcs.selectors import settlement_safety_level
    from world.services.ticks import npc_states, safety_levels

    town = Npc.objects.filter(world=world).first().settlement
    people = npc_states(Npc.objects.filter(settlement=town, is_alive=True))

    assert (
        settlement_safety_level(settlement_id=town.pk)
        == safety_levels([town.pk], people)[town.pk]
        == 40 + 15 + 30
    )  # walls, and 2 guards in 18 (capped)
