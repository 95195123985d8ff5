"""Quest generation against the real database: template narrator, idempotency, the LLM stub's bad answers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from gmconsole.llm.errors import LLMUnavailable
from gmconsole.llm.slots import SLOTS_KEY, slots_redis
from gmconsole.models import LLMCall
from npcs.models import Npc
from quests.generation import (
    OBJECTIVES_INVALID_FALLBACK,
    plot_task_arguments,
    quest_generation_dispatch,
    quest_generation_retry,
    quest_objectives_populate,
    quest_plot_generate,
)
from quests.models import Quest, QuestHook
from quests.services import hooks_scan
from quests.tasks.generation import (
    generate_for_open_hooks_task,
    generate_quest_plot_task,
    populate_quest_objectives_task,
)
from tests.llm.stub import GOOD, PROSE_ONLY, SERVER_ERROR, TRUNCATED, StubLLM
from tests.quests.conftest import set_stock
from tests.quests.generation_fixtures import bread_shortage_hook, link_towns, towns

pytestmark = pytest.mark.django_db


@pytest.fixture
def quest_stub():
    stub = StubLLM(good={}, hang_seconds=2.0).start()
    slots_redis().delete(SLOTS_KEY)
    yield stub
    stub.stop()
    slots_redis().delete(SLOTS_KEY)


@pytest.fixture
def quest_llm(settings, quest_stub):
    """The LLM layer pointed at the stub, as in production otherwise."""
    settings.OPENROUTER_API_KEY = "test-key"
    settings.LLM_BASE_URL = quest_stub.url
    settings.LLM_MODEL = "test/stub-model"
    settings.LLM_TIMEOUT_SECONDS = 1.0
    settings.LLM_MAX_ATTEMPTS = 3
    settings.LLM_CONCURRENCY = 2
    settings.LLM_SLOT_WAIT_SECONDS = 0.5
    settings.LLM_DEFAULT_DAILY_BUDGET_USD = Decimal("100.00")
    return quest_stub


def money(world) -> int:
    purses = Npc.objects.filter(world=world).aggregate(total=Sum("purse"))["total"] or 0
    held = Quest.objects.filter(world=world).aggregate(total=Sum("escrow_cp"))["total"] or 0
    return purses + held


def generate(hook: QuestHook) -> Quest:
    quest = quest_plot_generate(hook=hook, task_id="plot-1")
    return quest_objectives_populate(quest=quest, task_id="objectives-1")


def good_plot(hook: QuestHook, **kw) -> dict:
    return {
        "title": "The Baker's Last Loaf",
        "pitch": "The shelves are bare and the ovens cold; someone must fetch bread.",
        "giver_npc_id": hook.giver_id,
        "stakes": "Children will go hungry.",
        "twist": "The miller hoards flour.",
        "motivation": "comfort",
        "reward_cp": 20,
        **kw,
    }


def good_objectives(hook: QuestHook, *, npc_id: int | None = None) -> dict:
    neighbour = towns(hook.world)[1]
    return {
        "objectives": [
            {"key": "meet", "action": "talk", "npc_id": hook.giver_id, "text": "Meet the baker."},
            {
                "key": "go",
                "action": "go_to",
                "settlement_id": neighbour.pk,
                "text": "Go.",
                "requires": ["meet"],
            },
            {
                "key": "buy",
                "action": "fetch",
                "item_code": "bread",
                "quantity": 5,
                "text": "Buy.",
                "requires": ["go"],
            },
            {
                "key": "bring",
                "action": "deliver",
                "item_code": "bread",
                "quantity": 5,
                "npc_id": npc_id or hook.giver_id,
                "text": "Bring it.",
                "requires": ["buy"],
            },
            {
                "key": "done",
                "action": "report",
                "npc_id": hook.giver_id,
                "text": "Report.",
                "requires": ["bring"],
            },
        ]
    }


# --- Template narrator (no key) -------------------------------------------------------------


def test_without_a_key_the_template_writes_a_valid_draft_and_escrows_the_reward(world):
    hook = bread_shortage_hook(world)
    giver_purse = Npc.objects.get(pk=hook.giver_id).purse
    total = money(world)

    quest = generate(hook)

    assert quest.status == Quest.Status.DRAFT
    assert quest.narrator == "template"
    assert quest.is_valid and quest.validation == {"ok": True, "problems": []}
    assert quest.hook == hook and quest.giver_id == hook.giver_id
    assert quest.title
    assert "bread" in f"{quest.title} {quest.pitch}".lower()
    actions = list(quest.objectives.values_list("action", flat=True))
    assert actions == ["talk", "go_to", "fetch", "deliver", "report"]
    assert quest.objectives.get(action="fetch").item.code == "bread"
    assert quest.objectives.get(action="go_to").settlement == towns(world)[1]
    assert quest.reward_cp > 0 and quest.escrow_cp == quest.reward_cp
    assert Npc.objects.get(pk=hook.giver_id).purse == giver_purse - quest.reward_cp
    assert money(world) == total
    assert quest.task_ids == ["plot-1", "objectives-1"]
    hook.refresh_from_db()
    assert hook.status == QuestHook.Status.DRAFTED


def test_the_same_hook_generated_twice_yields_one_quest(world):
    hook = bread_shortage_hook(world)
    details, involved = plot_task_arguments(hook)

    first = generate_quest_plot_task.apply(args=(details, involved), task_id="plot-a")
    second = generate_quest_plot_task.apply(args=(details, involved), task_id="plot-b")
    quest = Quest.objects.get()
    populate_quest_objectives_task.apply(args=(quest.pk,), task_id="obj-a")
    populate_quest_objectives_task.apply(args=(quest.pk,), task_id="obj-b")
    generate_quest_plot_task.apply(args=(details, involved), task_id="plot-c")

    quest = Quest.objects.get()
    assert first.result["quest_id"] == second.result["quest_id"] == quest.pk
    assert quest.status == Quest.Status.DRAFT
    assert quest.objectives.count() == 5
    assert quest.escrow_cp == quest.reward_cp
    assert "plot-c" not in quest.task_ids and "obj-b" not in quest.task_ids


def test_the_plot_task_queues_the_objectives_after_commit(world, django_capture_on_commit_callbacks):
    hook = bread_shortage_hook(world)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = generate_quest_plot_task.apply(args=plot_task_arguments(hook))

    assert result.result["status"] == Quest.Status.GENERATING
    assert result.result["objectives_task_id"]
    assert len(callbacks) == 1


def test_dispatch_happens_after_commit_and_returns_the_task_id(world, django_capture_on_commit_callbacks):
    hook = bread_shortage_hook(world)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_id = quest_generation_dispatch(hook=hook)

    assert len(task_id) == 36 and len(callbacks) == 1
    assert not Quest.objects.exists()


def test_the_sweep_dispatches_only_hooks_without_a_quest(world, django_capture_on_commit_callbacks):
    hook = bread_shortage_hook(world)
    generate(hook)
    open_hooks = QuestHook.objects.filter(status=QuestHook.Status.OPEN).count()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = generate_for_open_hooks_task.apply(kwargs={"limit": 50})

    assert len(result.result["dispatched"]) == open_hooks == len(callbacks)


def test_a_missing_hook_is_logged_and_the_task_returns(world):
    result = generate_quest_plot_task.apply(args=({"hook_id": 999_999}, []))

    assert result.successful() and "999999" in result.result["error"]
    assert not Quest.objects.exists()


# --- Against the LLM stub -------------------------------------------------------------------


def test_good_model_output_makes_an_llm_draft(world, quest_llm):
    hook = bread_shortage_hook(world)
    quest_llm.good = good_plot(hook)
    quest = quest_plot_generate(hook=hook)
    quest_llm.good = good_objectives(hook)

    quest = quest_objectives_populate(quest=quest)

    assert quest.status == Quest.Status.DRAFT and quest.is_valid
    assert quest.narrator == "llm:test/stub-model"
    assert quest.title == "The Baker's Last Loaf" and quest.reward_cp == 20 == quest.escrow_cp
    assert list(quest.objectives.values_list("key", flat=True)) == ["meet", "go", "buy", "bring", "done"]
    assert quest.error == ""
    assert len(quest_llm.requests) == 2
    assert "Amberley" not in quest_llm.requests[0].last_user_message  # grounded in this world's names
    assert towns(world)[0].name in quest_llm.requests[0].last_user_message


def test_truncated_json_is_repaired(world, quest_llm):
    hook = bread_shortage_hook(world)
    quest_llm.good = good_plot(hook)
    quest_llm.script(TRUNCATED, GOOD)

    quest = quest_plot_generate(hook=hook)

    assert quest.narrator.startswith("llm")
    assert quest.title == "The Baker's Last Loaf"
    outcomes = list(LLMCall.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["invalid", "repaired"]


def test_always_invalid_output_falls_back_to_the_template_with_a_note(world, quest_llm):
    hook = bread_shortage_hook(world)
    quest_llm.good = good_plot(hook)
    quest_llm.default = PROSE_ONLY

    quest = generate(hook)

    assert quest.status == Quest.Status.DRAFT and quest.is_valid
    assert quest.narrator == "template"
    assert "template narrator wrote it" in quest.error
    assert "template narrator wrote them" in quest.error
    assert quest.objectives.count() == 5


def test_a_model_giver_that_is_not_of_the_trouble_is_replaced(world, quest_llm):
    hook = bread_shortage_hook(world)
    quest_llm.good = good_plot(hook, giver_npc_id=999_999, reward_cp=10**6)

    quest = quest_plot_generate(hook=hook)

    assert quest.giver_id == hook.giver_id
    assert "999999" in quest.error
    assert quest.reward_cp == Npc.objects.get(pk=hook.giver_id).purse  # cut to what the giver has


def test_a_nonexistent_npc_gets_a_fix_attempt_then_the_template(world, quest_llm):
    hook = bread_shortage_hook(world)
    quest_llm.good = good_plot(hook)
    quest = quest_plot_generate(hook=hook)
    quest_llm.good = good_objectives(hook, npc_id=999_999)

    quest = quest_objectives_populate(quest=quest)

    assert len(quest_llm.requests) == 3  # the plot, the objectives, the fix attempt
    fix = quest_llm.requests[2].last_user_message
    assert "not playable" in fix and "no living NPC 999999" in fix
    assert quest.status == Quest.Status.DRAFT and quest.is_valid
    assert quest.narrator == "llm:test/stub-model; objectives: template"
    assert OBJECTIVES_INVALID_FALLBACK.split("(")[0] in quest.error and "unknown_npc" in quest.error
    assert 999_999 not in quest.objectives.values_list("npc_id", flat=True)


def test_a_fixed_answer_is_used(world, quest_llm):
    hook = bread_shortage_hook(world)
    quest_llm.good = good_plot(hook)
    quest = quest_plot_generate(hook=hook)
    quest_llm.good = good_objectives(hook, npc_id=999_999)
    fixed = good_objectives(hook)
    original = quest_llm._next_answer

    def next_answer():  # the stub's second objectives answer is the corrected one
        if len(quest_llm.requests) == 2:
            quest_llm.good = fixed
        return original()

    quest_llm._next_answer = next_answer
    quest = quest_objectives_populate(quest=quest)

    assert quest.narrator == "llm:test/stub-model"
    assert quest.status == Quest.Status.DRAFT and quest.error == ""


def test_an_unreachable_model_fails_the_quest_after_retries_and_the_gm_can_retry(
    world, quest_llm, django_capture_on_commit_callbacks
):
    hook = bread_shortage_hook(world)
    quest_llm.default = SERVER_ERROR

    result = generate_quest_plot_task.apply(args=plot_task_arguments(hook))

    assert result.failed() and isinstance(result.result, LLMUnavailable)
    assert len(quest_llm.requests) == 1 + generate_quest_plot_task.max_retries
    quest = Quest.objects.get()
    assert quest.status == Quest.Status.FAILED
    assert "HTTP 500" in quest.error
    assert quest.objectives.count() == 0 and quest.escrow_cp == 0

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_id = quest_generation_retry(quest=quest)

    quest.refresh_from_db()
    assert task_id and len(callbacks) == 1
    assert quest.status == Quest.Status.GENERATING and quest.error == ""


def test_a_retried_quest_generates_again(world, quest_llm):
    hook = bread_shortage_hook(world)
    quest_llm.default = SERVER_ERROR
    with pytest.raises(LLMUnavailable):
        quest_plot_generate(hook=hook, last_attempt=True)
    quest = Quest.objects.get()
    assert quest.status == Quest.Status.FAILED
    quest_generation_retry(quest=quest)
    quest_llm.default = GOOD
    quest_llm.good = good_plot(hook)

    quest = quest_plot_generate(hook=hook)
    quest_llm.good = good_objectives(hook)
    quest = quest_objectives_populate(quest=quest)

    assert quest.status == Quest.Status.DRAFT and Quest.objects.count() == 1


def test_an_unreachable_model_before_the_last_attempt_leaves_the_quest_generating(world, quest_llm):
    hook = bread_shortage_hook(world)
    quest_llm.default = SERVER_ERROR

    with pytest.raises(LLMUnavailable):
        quest_plot_generate(hook=hook, last_attempt=False)

    assert Quest.objects.get().status == Quest.Status.GENERATING


def test_every_hook_of_a_troubled_world_becomes_a_valid_template_draft(world):
    link_towns(world)
    first, second = towns(world)[:2]
    set_stock(first, "bread", quantity=0)
    set_stock(second, "hammer", quantity=1, price=900)
    Npc.objects.filter(settlement=second).update(hunger=5, safety=5)
    hooks_scan(world=world)
    hooks = list(QuestHook.objects.filter(world=world))
    assert "shortage" in {h.kind for h in hooks} and len({h.kind for h in hooks}) >= 2

    quests = [generate(hook) for hook in hooks]

    assert [q.status for q in quests] == [Quest.Status.DRAFT] * len(hooks), [q.error for q in quests]
    assert len({q.title for q in quests}) == len(quests)


def test_a_spent_budget_is_noted_on_the_quest(world, settings):
    """With a key but the world's budget spent, the template writes the quest and the GM is told why."""
    from decimal import Decimal

    from gmconsole.llm.services import llm_budget_set

    settings.OPENROUTER_API_KEY = "test-key"
    settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"  # never reached: the budget stops the call first
    hook = bread_shortage_hook(world)
    llm_budget_set(world=world, daily_usd=Decimal("0"))

    quest = quest_plot_generate(hook=hook)

    assert quest.narrator == "template"
    assert "budget" in quest.error.lower()
