"""The console's LLM page: staff only, shows calls and spend, sets budgets through the service."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from gmconsole.console.llm_views import BUDGET_SAVED
from gmconsole.llm.services import llm_budget_set, llm_call_record
from gmconsole.models import LLMBudget, LLMCall
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = f.make_user(is_staff=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def recorded(settings):
    settings.LLM_DEFAULT_DAILY_BUDGET_USD = Decimal("1.00")
    world = f.make_world(name="Mones")
    llm_budget_set(world=world, daily_usd=Decimal("0.50"))
    call = llm_call_record(
        world=world,
        purpose="quests.plot",
        model="openai/gpt-4o-mini",
        narrator="llm",
        outcome="repaired",
        prompt_tokens=812,
        completion_tokens=245,
        cost_usd=Decimal("0.000269"),
        latency_ms=2340,
        attempt=2,
        task_id="task-abc",
    )
    llm_call_record(
        world=world,
        purpose="quests.plot",
        narrator="llm",
        outcome="invalid",
        error="danger: Field required",
        cost_usd=Decimal("0.000100"),
    )
    return world, call


def test_staff_sees_recorded_calls_and_spend_against_budget(staff, recorded):
    world, call = recorded

    response = staff.get(reverse("console:llm"))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-call="{call.pk}"' in html
    for text in (
        "quests.plot",
        "openai/gpt-4o-mini",
        "812 · 245",
        "$0.000269",
        "2.3 s",
        "repaired",
        "attempt 2",
    ):
        assert text in html, text
    assert "danger: Field required" in html
    # today's spend ($0.000369) against Mones's $0.50
    assert "$0.000369" in html
    assert "$0.50" in html
    assert 'aria-current="page">LLM<' in html


def test_spent_budget_is_flagged(staff, recorded):
    world, _ = recorded
    llm_call_record(world=world, purpose="quests.plot", narrator="llm", outcome="ok", cost_usd=Decimal("0.5"))

    html = staff.get(reverse("console:llm")).content.decode()

    assert "budget spent · template narrator" in html


def test_calls_panel_refreshes_and_filters_by_world(staff, recorded):
    world, _ = recorded
    other = f.make_world(name="Elsewhere")
    llm_call_record(world=other, purpose="npcs.mind", narrator="template", outcome="template")

    everything = staff.get(reverse("console:llm_calls")).content.decode()
    only_mones = staff.get(reverse("console:llm_calls"), {"world": world.pk}).content.decode()

    assert "npcs.mind" in everything and "quests.plot" in everything
    assert "npcs.mind" not in only_mones and "quests.plot" in only_mones


def test_page_renders_without_worlds_or_calls(staff):
    html = staff.get(reverse("console:llm")).content.decode()
    assert "No LLM calls yet." in html
    assert "offline" in html  # no key configured in tests


def test_staff_sets_a_budget(staff, recorded):
    world, _ = recorded

    response = staff.post(
        reverse("console:llm_budget"), {"world": world.pk, "daily_usd": "2.75"}, follow=True
    )

    budget = LLMBudget.objects.get(world=world)
    assert budget.daily_usd == Decimal("2.75")
    assert budget.updated_by == staff.user
    assert BUDGET_SAVED.format(world="Mones", amount="2.75") in response.content.decode()


def test_invalid_budget_changes_nothing(staff, recorded):
    world, _ = recorded

    response = staff.post(reverse("console:llm_budget"), {"world": world.pk, "daily_usd": "-3"}, follow=True)

    assert LLMBudget.objects.get(world=world).daily_usd == Decimal("0.50")
    assert "Budget not changed" in response.content.decode()


def test_non_staff_get_403(client, recorded):
    world, _ = recorded
    client.force_login(f.make_user(is_staff=False))

    assert client.get(reverse("console:llm")).status_code == 403
    assert client.get(reverse("console:llm_calls")).status_code == 403
    assert (
        client.post(reverse("console:llm_budget"), {"world": world.pk, "daily_usd": "9"}).status_code == 403
    )
    assert LLMBudget.objects.get(world=world).daily_usd == Decimal("0.50")


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("console:llm"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_lists_calls_read_only_and_edits_budgets_through_the_service(admin_client, recorded):
    world, call = recorded

    changelist = admin_client.get(reverse("admin:gmconsole_llmcall_changelist"))
    change = admin_client.get(reverse("admin:gmconsole_llmcall_change", args=[call.pk]))
    assert changelist.status_code == 200 and "quests.plot" in changelist.content.decode()
    assert change.status_code == 200
    assert admin_client.get(reverse("admin:gmconsole_llmcall_add")).status_code == 403

    budget = LLMBudget.objects.get(world=world)
    response = admin_client.post(
        reverse("admin:gmconsole_llmbudget_change", args=[budget.pk]),
        {"world": world.pk, "daily_usd": "3.00"},
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.daily_usd == Decimal("3.00")
    assert budget.updated_by is not None
    assert LLMCall.objects.count() == 2
