"""Call records, budgets and the concurrency cap's bookkeeping."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gmconsole.llm.pricing import llm_cost_usd
from gmconsole.llm.selectors import llm_budget_for, llm_calls_recent, llm_spend_by_world, llm_spent_today
from gmconsole.llm.services import llm_budget_set, llm_call_record
from gmconsole.llm.slots import slot_release, slot_try_acquire, slots_in_use
from gmconsole.models import LLMBudget, LLMCall
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_cost_from_tokens_and_prices(settings):
    settings.LLM_PRICE_IN_PER_MTOK = Decimal("2.50")
    settings.LLM_PRICE_OUT_PER_MTOK = Decimal("10")

    assert llm_cost_usd(prompt_tokens=1000, completion_tokens=500) == Decimal("0.007500")
    assert llm_cost_usd(prompt_tokens=1000, completion_tokens=500, reported=0.0123) == Decimal("0.012300")
    assert llm_cost_usd(prompt_tokens=1000, completion_tokens=500, reported="nonsense") == Decimal("0.007500")
    assert llm_cost_usd(prompt_tokens=1000, completion_tokens=500, reported=-1) == Decimal("0.007500")


def test_budget_set_creates_then_updates_and_remembers_who(settings):
    settings.LLM_DEFAULT_DAILY_BUDGET_USD = Decimal("1.00")
    world = f.make_world()
    gm = f.make_user(is_staff=True)
    assert llm_budget_for(world=world) == Decimal("1.00")

    llm_budget_set(world=world, daily_usd=Decimal("2.50"), user=gm)
    llm_budget_set(world=world, daily_usd=Decimal("0.75"), user=gm)

    budget = LLMBudget.objects.get(world=world)
    assert (budget.daily_usd, budget.updated_by) == (Decimal("0.75"), gm)
    assert llm_budget_for(world=world) == Decimal("0.75")


def test_negative_budget_is_refused():
    world = f.make_world()
    with pytest.raises(ValidationError):
        llm_budget_set(world=world, daily_usd=Decimal("-1"))
    assert not LLMBudget.objects.exists()


def test_spent_today_sums_this_world_since_midnight():
    world, other = f.make_world(), f.make_world()
    for cost in ("0.10", "0.25"):
        llm_call_record(world=world, purpose="p", narrator="llm", outcome="ok", cost_usd=Decimal(cost))
    old = llm_call_record(world=world, purpose="p", narrator="llm", outcome="ok", cost_usd=Decimal(5))
    LLMCall.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    llm_call_record(world=other, purpose="p", narrator="llm", outcome="ok", cost_usd=Decimal(7))

    assert llm_spent_today(world=world) == Decimal("0.35")
    assert llm_spent_today(world=f.make_world()) == Decimal(0)


def test_spend_by_world_reports_every_world(settings, django_assert_max_num_queries):
    settings.LLM_DEFAULT_DAILY_BUDGET_USD = Decimal("1.00")
    busy = f.make_world(name="Busy")
    f.make_world(name="Idle")
    llm_budget_set(world=busy, daily_usd=Decimal("0.20"))
    for _ in range(2):
        llm_call_record(world=busy, purpose="p", narrator="llm", outcome="ok", cost_usd=Decimal("0.15"))

    with django_assert_max_num_queries(3):
        rows = {row.world.name: row for row in llm_spend_by_world()}

    assert (rows["Busy"].spent_usd, rows["Busy"].budget_usd, rows["Busy"].calls_today) == (
        Decimal("0.30"),
        Decimal("0.20"),
        2,
    )
    assert rows["Busy"].exhausted and rows["Busy"].used_pct == 100.0 and not rows["Busy"].is_default
    assert (rows["Idle"].spent_usd, rows["Idle"].budget_usd, rows["Idle"].is_default) == (
        Decimal(0),
        Decimal("1.00"),
        True,
    )
    assert not rows["Idle"].exhausted


def test_recent_calls_newest_first_filtered_by_world():
    world, other = f.make_world(), f.make_world()
    first = llm_call_record(world=world, purpose="first", narrator="llm", outcome="ok")
    second = llm_call_record(world=world, purpose="second", narrator="template", outcome="template")
    llm_call_record(world=other, purpose="elsewhere", narrator="llm", outcome="ok")

    assert list(llm_calls_recent(world=world)) == [second, first]
    assert len(llm_calls_recent(limit=2)) == 2


def test_record_refuses_unknown_outcomes():
    with pytest.raises(ValidationError):
        llm_call_record(purpose="p", narrator="llm", outcome="fine")


def test_abandoned_slot_frees_itself_after_its_ttl():
    # given a worker that took the only slot and crashed (never released it)
    assert slot_try_acquire(limit=1, ttl_seconds=1) is not None
    assert slot_try_acquire(limit=1, ttl_seconds=1) is None
    # when its claim expires
    time.sleep(1.1)
    # then the slot is free again
    token = slot_try_acquire(limit=1, ttl_seconds=1)
    assert token is not None
    slot_release(token)
    assert slots_in_use() == 0


def test_slots_count_up_to_the_limit():
    tokens = [slot_try_acquire(limit=2, ttl_seconds=30) for _ in range(3)]
    assert tokens[0] and tokens[1] and tokens[2] is None
    assert slots_in_use() == 2
    slot_release(tokens[0])
    assert slot_try_acquire(limit=2, ttl_seconds=30) is not None
