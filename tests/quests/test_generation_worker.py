"""Quest generation through a real Celery worker on the real broker (no key: the template narrator)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import transaction

from quests.generation import quest_generation_dispatch
from quests.models import Quest
from tests.quests.generation_fixtures import bread_shortage_hook

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_dispatched_hook_becomes_a_draft_on_the_worker(world, celery_worker_process):
    if settings.OPENROUTER_API_KEY:
        pytest.skip("OPENROUTER_API_KEY is set in this environment: the shared worker would go online")
    hook = bread_shortage_hook(world)

    with transaction.atomic():
        task_id = quest_generation_dispatch(hook=hook)

    deadline = time.monotonic() + 60
    quest = None
    while time.monotonic() < deadline:
        quest = Quest.objects.filter(hook=hook).first()
        if quest is not None and quest.status != Quest.Status.GENERATING:
            break
        time.sleep(0.2)
    assert quest is not None
    assert quest.status == Quest.Status.DRAFT, quest.error
    assert quest.is_valid and quest.escrow_cp == quest.reward_cp > 0
    assert quest.task_ids[0] == task_id and len(quest.task_ids) == 2
    assert quest.objectives.count() == 5
