"""The GM review of drafted quests: the services behind approve, edit, reject and regenerate, and
the console pages that show the queue and one quest with its report, log and task results."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django_celery_results.models import TaskResult

from economy.models import Item
from npcs.models import Npc
from quests import review
from quests import validation as v
from quests.models import Quest, QuestObjective, QuestReviewLog
from quests.services import quest_escrow_reward
from tests import factories as f
from tests.quests.conftest import make_hook, make_quest
from tests.world.world_fixtures import small_world
from world.models import ChronicleEntry, Settlement, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    world = small_world(regions=1, towns_per_region=2)
    World.objects.filter(pk=world.pk).update(current_tick=10)
    world.refresh_from_db()
    return world


@pytest.fixture
def gm():
    return f.make_user(username="gm-alys", is_staff=True)


@pytest.fixture
def gm_client(client, gm):
    client.force_login(gm)
    return client


def good_objectives(home: Settlement, giver: Npc, smith: Npc) -> list[dict]:
    """Go to the market, buy bread, hear the smith out, bring the bread to the giver."""
    return [
        {"key": "go", "action": "go_to", "settlement_id": home.pk, "text": "Go to the market"},
        {"key": "bread", "action": "fetch", "item": "bread", "quantity": 5, "requires": ["go"]},
        {"key": "smith", "action": "talk", "npc_id": smith.pk, "requires": ["go"]},
        {
            "key": "home",
            "action": "deliver",
            "item": "bread",
            "npc_id": giver.pk,
            "quantity": 5,
            "requires": ["bread", "smith"],
        },
    ]


@pytest.fixture
def draft(world):
    """A valid draft from a bread shortage, its reward of 120 cp held in escrow."""
    home = Settlement.objects.filter(world=world).order_by("pk").first()
    giver = Npc.objects.filter(settlement=home, profession="baker").first()
    smith = Npc.objects.filter(settlement=home, profession="merchant").first()
    Npc.objects.filter(pk=giver.pk).update(purse=500)
    hook = make_hook(
        world=world,
        settlement=home,
        giver=giver,
        summary="Bread is short in town",
        facts={"stock": 3, "target": 40, "price_ratio": 2.5},
    )
    quest = make_quest(
        world=world,
        hook=hook,
        giver=giver,
        settlement=home,
        title="The Empty Ovens",
        pitch="The ovens are cold.",
        reward_cp=120,
        narrator="template",
    )
    bread = Item.objects.get(code="bread")
    for order, o in enumerate(good_objectives(home, giver, smith)):
        QuestObjective.objects.create(
            quest=quest,
            order=order,
            key=o["key"],
            action=o["action"],
            text=o.get("text", ""),
            settlement_id=o.get("settlement_id"),
            npc_id=o.get("npc_id"),
            item=bread if o.get("item") else None,
            quantity=o.get("quantity", 1),
            requires=o.get("requires", []),
        )
    report = review.quest_validate(quest=quest, objectives=good_objectives(home, giver, smith))
    assert report.ok, report.problems
    quest = quest_escrow_reward(quest=quest)
    Quest.objects.filter(pk=quest.pk).update(validation=report.as_dict(), is_valid=True)
    quest.refresh_from_db()
    quest.home, quest.smith_npc = home, smith  # handy in tests
    return quest


def money(quest: Quest) -> int:
    giver = Npc.objects.get(pk=quest.giver_id)
    return giver.purse + Quest.objects.get(pk=quest.pk).escrow_cp


# --- services -------------------------------------------------------------------------------


def test_approve_publishes_a_valid_draft_and_logs_the_user(draft, gm):
    quest = review.quest_approve(quest=draft, user=gm)

    quest.refresh_from_db()
    assert quest.status == Quest.Status.PUBLISHED
    assert quest.published_at is not None
    assert quest.reviewed_by == gm
    log = QuestReviewLog.objects.get(quest=quest)
    assert (log.user, log.action) == (gm, QuestReviewLog.Action.APPROVE)
    entry = ChronicleEntry.objects.filter(world=quest.world, kind=ChronicleEntry.Kind.QUEST).latest("id")
    assert "gm-alys published the quest “The Empty Ovens”" in entry.text
    assert entry.data["quest"] == quest.pk


def test_approve_refuses_an_invalid_or_needs_attention_quest(draft, gm):
    Quest.objects.filter(pk=draft.pk).update(status=Quest.Status.NEEDS_ATTENTION, is_valid=False)

    with pytest.raises(review.QuestReviewError) as refused:
        review.quest_approve(quest=draft, user=gm)

    assert str(refused.value) == review.NOT_A_DRAFT.format(quest=draft.pk, status="Needs Attention")
    Quest.objects.filter(pk=draft.pk).update(status=Quest.Status.DRAFT)  # a draft marked invalid
    with pytest.raises(review.QuestReviewError, match="did not pass validation"):
        review.quest_approve(quest=draft, user=gm)
    draft.refresh_from_db()
    assert draft.status == Quest.Status.DRAFT
    assert draft.published_at is None
    assert not QuestReviewLog.objects.filter(quest=draft).exists()


def test_approve_rechecks_the_world_and_flags_a_draft_that_no_longer_fits(draft, gm):
    # given the smith the quest sends players to has died since the draft was made
    Npc.objects.filter(pk=draft.smith_npc.pk).update(is_alive=False)

    with pytest.raises(review.QuestReviewError, match="no longer fits the world"):
        review.quest_approve(quest=draft, user=gm)

    draft.refresh_from_db()
    assert draft.status == Quest.Status.NEEDS_ATTENTION
    assert v.UNKNOWN_NPC in {p["code"] for p in draft.validation["problems"]}
    assert QuestReviewLog.objects.get(quest=draft).action == QuestReviewLog.Action.FLAG


def test_edit_revalidates_broken_objectives_then_fixed_ones(draft, gm):
    objectives = review.quest_objective_dicts(quest=draft)
    broken = [dict(o) for o in objectives]
    broken[0]["requires"] = ["home"]  # a circle: go needs home, home needs go (through bread)

    quest = review.quest_edit(quest=draft, user=gm, objectives=broken, title="The Cold Ovens")

    assert quest.status == Quest.Status.NEEDS_ATTENTION
    assert not quest.is_valid
    codes = {p["code"] for p in quest.validation["problems"]}
    assert {v.CYCLE, v.NO_START} <= codes
    assert QuestObjective.objects.get(quest=quest, key="go").requires == ["home"]
    log = QuestReviewLog.objects.get(quest=quest)
    assert log.user == gm and log.action == QuestReviewLog.Action.EDIT
    assert log.changes["title"] == ["The Empty Ovens", "The Cold Ovens"]
    assert log.changes["status"] == ["draft", "needs_attention"]

    quest = review.quest_edit(quest=quest, user=gm, objectives=objectives)

    assert quest.status == Quest.Status.DRAFT
    assert quest.is_valid and quest.validation == {"ok": True, "problems": []}
    assert QuestObjective.objects.get(quest=quest, key="go").requires == []
    assert QuestReviewLog.objects.filter(quest=quest, action="edit").count() == 2


def test_edit_keeps_unknown_references_in_the_report(draft, gm):
    objectives = review.quest_objective_dicts(quest=draft)
    objectives[2]["npc_id"] = 9_999_999

    quest = review.quest_edit(quest=draft, user=gm, objectives=objectives)

    assert quest.status == Quest.Status.NEEDS_ATTENTION
    assert v.UNKNOWN_NPC in {p["code"] for p in quest.validation["problems"]}
    assert QuestObjective.objects.get(quest=quest, key="smith").npc_id is None


def test_edit_refuses_objectives_that_cannot_be_stored(draft, gm):
    with pytest.raises(review.QuestReviewError) as refused:
        review.quest_edit(quest=draft, user=gm, objectives=[{"key": "a", "action": "talk"}] * 2)

    assert str(refused.value) == review.DUPLICATE_OBJECTIVE_KEY.format(key="a")
    assert QuestObjective.objects.filter(quest=draft).count() == 4


def test_reward_edit_keeps_money_conserved(draft, gm):
    before = money(draft)

    quest = review.quest_edit(quest=draft, user=gm, reward_cp=300)

    assert (quest.reward_cp, quest.escrow_cp) == (300, 300)
    assert Npc.objects.get(pk=draft.giver_id).purse == 200
    assert money(quest) == before
    assert QuestReviewLog.objects.get(quest=quest).changes["reward_cp"] == [120, 300]

    quest = review.quest_edit(quest=quest, user=gm, reward_cp=50)

    assert (quest.reward_cp, quest.escrow_cp) == (50, 50)
    assert money(quest) == before
    assert quest.status == Quest.Status.DRAFT


def test_reject_requires_a_reason_refunds_escrow_and_logs(draft, gm):
    purse = Npc.objects.get(pk=draft.giver_id).purse
    with pytest.raises(review.QuestReviewError) as refused:
        review.quest_reject(quest=draft, user=gm, reason="   ")
    assert str(refused.value) == review.REASON_REQUIRED

    quest = review.quest_reject(quest=draft, user=gm, reason="Too close to the last bread quest.")

    assert quest.status == Quest.Status.REJECTED
    assert quest.rejection_reason == "Too close to the last bread quest."
    assert quest.escrow_cp == 0
    assert Npc.objects.get(pk=draft.giver_id).purse == purse + 120
    log = QuestReviewLog.objects.get(quest=quest)
    assert (log.user, log.action, log.changes["refunded_cp"]) == (gm, "reject", 120)
    entry = ChronicleEntry.objects.filter(world=quest.world, kind=ChronicleEntry.Kind.QUEST).latest("id")
    assert "rejected the quest “The Empty Ovens”: Too close" in entry.text


def test_regenerate_logs_and_hands_the_quest_to_the_pipeline(draft, gm):
    # given an edit left the quest needing attention
    objectives = review.quest_objective_dicts(quest=draft)
    objectives[0]["requires"] = ["home"]
    review.quest_edit(quest=draft, user=gm, objectives=objectives)
    retry = review.generation_retry()

    result = review.quest_regenerate(quest=draft, user=gm)

    log = QuestReviewLog.objects.filter(quest=draft).first()  # newest first
    assert (log.user, log.action, log.changes["status"]) == (gm, "regenerate", "needs_attention")
    draft.refresh_from_db()
    if retry is None:
        assert result is None
        assert log.note == review.REGENERATE_UNAVAILABLE
    else:
        assert isinstance(result, str) and result
        assert draft.status == Quest.Status.GENERATING


@pytest.mark.parametrize("status", [Quest.Status.DRAFT, Quest.Status.PUBLISHED])
def test_regenerate_refuses_a_draft_or_published_quest(draft, gm, status):
    Quest.objects.filter(pk=draft.pk).update(status=status)

    with pytest.raises(review.QuestReviewError, match="cannot be regenerated|can be regenerated"):
        review.quest_regenerate(quest=draft, user=gm)

    assert not QuestReviewLog.objects.filter(quest=draft).exists()


# --- pages ----------------------------------------------------------------------------------


def test_queue_lists_waiting_quests_first_with_their_details(gm_client, draft, world):
    published = make_quest(world=world, title="Old News", status=Quest.Status.PUBLISHED)
    failed = make_quest(
        world=world, title="Lost Words", status=Quest.Status.FAILED, error="LLM answered prose"
    )

    response = gm_client.get(reverse("console:quest_queue"), {"world": world.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("The Empty Ovens") < html.index("Lost Words") < html.index("Old News")
    assert "Shortage" in html and draft.home.name in html
    assert draft.giver.name in html
    assert "1 gp 2 sp" in html  # 120 cp
    assert "LLM answered prose" in html
    assert reverse("console:quest_regenerate", args=[failed.pk]) in html
    assert reverse("console:quest_detail", args=[published.pk]) in html

    filtered = gm_client.get(reverse("console:quest_queue"), {"world": world.pk, "status": "failed"})
    assert "Lost Words" in filtered.content.decode()
    assert "The Empty Ovens" not in filtered.content.decode()


def test_queue_query_count_does_not_grow_with_quests(gm_client, draft, world, django_assert_max_num_queries):
    for n in range(15):
        hook = make_hook(world=world, settlement=draft.home, giver=draft.giver)
        make_quest(world=world, hook=hook, giver=draft.giver, settlement=draft.home, title=f"Q{n}")

    with django_assert_max_num_queries(10):
        response = gm_client.get(reverse("console:quest_queue"), {"world": world.pk})

    assert response.status_code == 200
    assert "Q14" in response.content.decode()


def test_quest_page_shows_plot_facts_problems_log_and_tasks(gm_client, draft, gm):
    TaskResult.objects.create(
        task_id="t-plot-1", task_name="quests.generate_plot", task_args="[42]", status="SUCCESS"
    )
    TaskResult.objects.create(task_id="t-other", task_name="world.tick", status="SUCCESS")
    Quest.objects.filter(pk=draft.pk).update(task_ids=["t-plot-1", "t-missing"])
    objectives = review.quest_objective_dicts(quest=draft)
    objectives[0]["requires"] = ["home"]
    review.quest_edit(quest=draft, user=gm, objectives=objectives)

    response = gm_client.get(reverse("console:quest_detail", args=[draft.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "The Empty Ovens" in html and "The ovens are cold." in html
    assert "Bread is short in town" in html and "price_ratio" in html and "2.5" in html
    assert v.CYCLE in html
    assert "gm-alys" in html and "Edit" in html
    assert "quests.generate_plot" in html and "[42]" in html
    assert "world.tick" not in html
    task = TaskResult.objects.get(task_id="t-plot-1")
    assert reverse("admin:django_celery_results_taskresult_change", args=[task.pk]) in html
    assert reverse("console:quest_approve", args=[draft.pk]) not in html  # not a valid draft


def test_approve_button_publishes_through_the_page(gm_client, draft, gm):
    page = gm_client.get(reverse("console:quest_detail", args=[draft.pk])).content.decode()
    assert reverse("console:quest_approve", args=[draft.pk]) in page

    response = gm_client.post(reverse("console:quest_approve", args=[draft.pk]), follow=True)

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Quest.Status.PUBLISHED and draft.reviewed_by == gm
    assert "published: players can see it now" in response.content.decode()


def test_edit_form_with_bad_json_shows_the_error_and_keeps_the_text(gm_client, draft):
    data = {"title": "X", "pitch": "", "stakes": "", "twist": "", "reward_cp": 10, "objectives": "[{oops"}

    response = gm_client.post(reverse("console:quest_edit", args=[draft.pk]), data)

    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
    assert "[{oops" in response.content.decode()
    draft.refresh_from_db()
    assert draft.title == "The Empty Ovens"


def test_edit_form_saves_and_revalidates(gm_client, draft):
    data = {
        "title": "Ovens Relit",
        "pitch": "p",
        "stakes": "s",
        "twist": "t",
        "reward_cp": 130,
        "objectives": json.dumps(review.quest_objective_dicts(quest=draft)),
    }

    response = gm_client.post(reverse("console:quest_edit", args=[draft.pk]), data)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.reward_cp, draft.escrow_cp, draft.status) == ("Ovens Relit", 130, 130, "draft")


def test_reject_form_requires_a_reason(gm_client, draft):
    response = gm_client.post(reverse("console:quest_reject", args=[draft.pk]), {"reason": ""})
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.status == Quest.Status.DRAFT

    response = gm_client.post(reverse("console:quest_reject", args=[draft.pk]), {"reason": "Dull."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.rejection_reason) == ("rejected", "Dull.")


def test_regenerate_button_logs(gm_client, draft, gm):
    Quest.objects.filter(pk=draft.pk).update(status=Quest.Status.FAILED, error="LLM answered prose")

    response = gm_client.post(reverse("console:quest_regenerate", args=[draft.pk]))

    assert response.status_code == 302
    assert QuestReviewLog.objects.get(quest=draft).user == gm


@pytest.mark.parametrize("name", ["quest_queue", "quest_detail"])
def test_pages_refuse_non_staff_and_send_anonymous_to_login(client, draft, name):
    url = reverse(f"console:{name}", args=[] if name == "quest_queue" else [draft.pk])

    anonymous = client.get(url)
    client.force_login(f.make_user(is_staff=False))
    player = client.get(url)

    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert player.status_code == 403


def test_actions_refuse_non_staff(client, draft):
    client.force_login(f.make_user(is_staff=False))

    response = client.post(reverse("console:quest_approve", args=[draft.pk]))

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Quest.Status.DRAFT
