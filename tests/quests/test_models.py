"""The database keeps the quests' invariants whatever code writes to it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from npcs.models import PlayerCharacter
from quests.models import Quest, QuestAssignment, QuestObjective
from tests import factories as f
from tests.quests.conftest import make_hook, make_quest
from world.models import Settlement

pytestmark = pytest.mark.django_db


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_a_hook_key_is_unique_within_a_world(world):
    make_hook(world=world, key="shortage:settlement:1:bread")

    assert refused(lambda: make_hook(world=world, key="shortage:settlement:1:bread"))
    assert not refused(lambda: make_hook(world=f.make_world(), key="shortage:settlement:1:bread"))


def test_a_hook_is_never_seen_before_it_was_detected(world):
    assert refused(lambda: make_hook(world=world, detected_tick=5, last_seen_tick=4))


def test_one_quest_per_generation_key(world):
    make_quest(world=world, generation_key="hook:1:10")

    assert refused(lambda: make_quest(world=world, generation_key="hook:1:10"))


def test_a_rejected_quest_says_why(world):
    assert refused(lambda: make_quest(world=world, status=Quest.Status.REJECTED))
    assert not refused(
        lambda: make_quest(world=world, status=Quest.Status.REJECTED, rejection_reason="Too dull.")
    )


def test_objective_keys_are_unique_within_a_quest_and_done_has_a_tick(world):
    quest = make_quest(world=world)
    QuestObjective.objects.create(quest=quest, key="go", action="go_to")

    assert refused(lambda: QuestObjective.objects.create(quest=quest, key="go", action="talk"))
    assert refused(lambda: QuestObjective.objects.create(quest=quest, key="x", action="talk", status="done"))
    assert refused(lambda: QuestObjective.objects.create(quest=quest, key="y", action="talk", quantity=0))
    assert not refused(
        lambda: QuestObjective.objects.create(quest=quest, key="z", action="talk", status="done", done_tick=3)
    )


def test_a_character_takes_a_quest_once(world):
    quest = make_quest(world=world)
    hero = PlayerCharacter.objects.create(
        world=world, owner=f.make_user(), settlement=Settlement.objects.first(), name="Ser Rowan"
    )
    QuestAssignment.objects.create(quest=quest, character=hero)

    assert refused(lambda: QuestAssignment.objects.create(quest=quest, character=hero))
    assert refused(
        lambda: QuestAssignment.objects.create(
            quest=make_quest(world=world), character=hero, status="completed"
        )
    )


def test_a_hook_names_its_generation_key_from_its_detection(world):
    hook = make_hook(world=world, detected_tick=7, last_seen_tick=9)

    assert hook.generation_key == f"hook:{hook.pk}:7"
