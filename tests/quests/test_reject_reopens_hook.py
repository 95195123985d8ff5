"""A GM's rejection gives the trouble back: its hook opens again for a new draft, unless it has gone."""

from __future__ import annotations

import pytest

from quests.generation import quest_generation_dispatch_open
from quests.models import Quest, QuestHook, QuestReviewLog
from quests.review import quest_reject
from quests.services import HOOK_EXPIRE_AFTER_TICKS
from tests import factories as f
from tests.quests.conftest import make_hook, make_quest, set_tick

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafted(world):
    hook = make_hook(world=world, status=QuestHook.Status.DRAFTED)
    quest = make_quest(world=world, hook=hook, generation_key=hook.generation_key)
    return hook, quest


def test_a_rejected_draft_reopens_its_hook_and_a_new_draft_is_queued(
    world, drafted, django_capture_on_commit_callbacks
):
    hook, quest = drafted
    first_key = hook.generation_key

    quest_reject(quest=quest, user=f.make_user(is_staff=True), reason="The twist is silly.")
    with django_capture_on_commit_callbacks(execute=False) as sent:
        dispatched = quest_generation_dispatch_open(limit=10)

    hook.refresh_from_db()
    assert (hook.status, hook.redrafts) == (QuestHook.Status.OPEN, 1)
    assert hook.generation_key == f"{first_key}:redraft:1" != first_key
    assert len(dispatched) == 1 and len(sent) == 1  # the sweep writes a fresh draft for it
    log = QuestReviewLog.objects.get(quest=quest, action="reject")
    assert log.changes["hook"] == ["drafted", "open"]


def test_a_trouble_no_scan_has_seen_for_long_is_expired_instead(world, drafted):
    hook, quest = drafted
    set_tick(world, hook.last_seen_tick + HOOK_EXPIRE_AFTER_TICKS + 1)

    quest_reject(quest=quest, user=None, reason="Stale.")

    hook.refresh_from_db()
    assert (hook.status, hook.redrafts) == (QuestHook.Status.EXPIRED, 0)
    assert quest_generation_dispatch_open(limit=10) == []


@pytest.mark.parametrize("status", [QuestHook.Status.RESOLVED, QuestHook.Status.EXPIRED])
def test_a_trouble_already_gone_stays_gone(world, drafted, status):
    hook, quest = drafted
    QuestHook.objects.filter(pk=hook.pk).update(status=status)

    quest_reject(quest=quest, user=None, reason="No longer needed.")

    hook.refresh_from_db()
    assert (hook.status, hook.redrafts) == (status, 0)
    assert "hook" not in QuestReviewLog.objects.get(quest=quest).changes


def test_a_hook_another_quest_still_answers_stays_drafted(world, drafted):
    hook, quest = drafted
    make_quest(world=world, hook=hook, status=Quest.Status.PUBLISHED)

    quest_reject(quest=quest, user=None, reason="One is enough.")

    hook.refresh_from_db()
    assert (hook.status, hook.redrafts) == (QuestHook.Status.DRAFTED, 0)
