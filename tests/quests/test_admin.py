"""Every quests model has an admin whose changelist, search and change page render with rows."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from npcs.models import Npc, PlayerCharacter
from quests.models import (
    QuestAssignment,
    QuestHook,
    QuestObjective,
    QuestProgress,
    QuestReport,
    QuestReviewLog,
)
from quests.services import hooks_scan
from tests import factories as f
from tests.quests.conftest import make_quest, set_stock
from world.models import Settlement

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_row(world):
    town = Settlement.objects.filter(world=world).first()
    set_stock(town, "bread", quantity=0)
    hooks_scan(world=world)
    hook = QuestHook.objects.get()
    quest = make_quest(world=world, hook=hook, giver=hook.giver, settlement=town, reward_cp=10)
    objective = QuestObjective.objects.create(quest=quest, key="go", action="go_to", settlement=town)
    user = f.make_user()
    QuestReviewLog.objects.create(quest=quest, user=user, action="approve", note="Fine.")
    hero = PlayerCharacter.objects.create(world=world, owner=user, settlement=town, name="Ser Rowan")
    assignment = QuestAssignment.objects.create(quest=quest, character=hero)
    report = QuestReport.objects.create(assignment=assignment, key="k-1", actions=[{"action": "go_to"}])
    QuestProgress.objects.create(
        assignment=assignment, report=report, objective=objective, tick=10, payload={"action": "go_to"}
    )
    return world


def test_every_quests_model_is_registered():
    assert [m for m in apps.get_app_config("quests").get_models() if not admin.site.is_registered(m)] == []


def test_every_changelist_search_and_change_page_renders(admin_client, every_row):
    for model in apps.get_app_config("quests").get_models():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200, opts.label
        assert admin_client.get(changelist, {"q": "bread"}).status_code == 200, opts.label
        obj = model.objects.first()
        change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, opts.label


def test_the_hook_list_filters_by_kind_and_status(admin_client, every_row):
    response = admin_client.get(
        reverse("admin:quests_questhook_changelist"), {"kind__exact": "shortage", "status__exact": "open"}
    )

    assert response.status_code == 200
    assert "Bread is short" in response.content.decode()
    assert Npc.objects.exists()
