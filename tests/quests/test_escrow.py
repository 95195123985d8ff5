"""The reward escrow moves money between a giver's purse, a quest and a character; never makes any."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.db.models import Sum

from npcs.models import Npc, PlayerCharacter
from quests.models import Quest
from quests.services import (
    GIVER_DEAD,
    INSUFFICIENT_FUNDS,
    NO_GIVER,
    QuestEscrowError,
    quest_escrow_refund,
    quest_escrow_release,
    quest_escrow_reward,
    quest_reward_set,
)
from tests import factories as f
from tests.quests.conftest import make_quest

pytestmark = pytest.mark.django_db


@pytest.fixture
def giver(world) -> Npc:
    npc = Npc.objects.filter(world=world, profession="baker").first()
    Npc.objects.filter(pk=npc.pk).update(purse=500)
    npc.refresh_from_db()
    return npc


@pytest.fixture
def hero(world) -> PlayerCharacter:
    return PlayerCharacter.objects.create(
        world=world,
        owner=f.make_user(),
        settlement_id=Npc.objects.first().settlement_id,
        name="Ser Rowan",
        purse=10,
    )


def money(world) -> int:
    """Every copper piece of the world that escrow could touch."""
    purses = Npc.objects.filter(world=world).aggregate(s=Sum("purse"))["s"]
    heroes = PlayerCharacter.objects.filter(world=world).aggregate(s=Sum("purse"))["s"] or 0
    held = Quest.objects.filter(world=world).aggregate(s=Sum("escrow_cp"))["s"] or 0
    return purses + heroes + held


def test_escrow_takes_the_reward_from_the_giver_and_conserves_money(world, giver, hero):
    quest = make_quest(world=world, giver=giver, reward_cp=120)
    before = money(world)

    quest = quest_escrow_reward(quest=quest)

    giver.refresh_from_db()
    assert (giver.purse, quest.escrow_cp) == (380, 120)
    assert Quest.objects.get(pk=quest.pk).escrow_cp == 120
    assert money(world) == before


def test_escrowing_twice_takes_the_reward_once(world, giver):
    quest = make_quest(world=world, giver=giver, reward_cp=120)
    quest_escrow_reward(quest=quest)
    quest_escrow_reward(quest=quest)

    giver.refresh_from_db()
    assert giver.purse == 380


def test_a_short_purse_is_refused_and_nothing_moves(world, giver):
    quest = make_quest(world=world, giver=giver, reward_cp=501)
    before = money(world)

    with pytest.raises(QuestEscrowError) as error:
        quest_escrow_reward(quest=quest)

    assert str(error.value) == INSUFFICIENT_FUNDS.format(giver=giver, purse=500, needed=501, quest=quest.pk)
    giver.refresh_from_db()
    assert giver.purse == 500 and Quest.objects.get(pk=quest.pk).escrow_cp == 0
    assert money(world) == before


def test_a_dead_giver_pays_nothing(world, giver):
    Npc.objects.filter(pk=giver.pk).update(is_alive=False)
    quest = make_quest(world=world, giver=giver, reward_cp=10)

    with pytest.raises(QuestEscrowError) as error:
        quest_escrow_reward(quest=quest)
    assert str(error.value) == GIVER_DEAD.format(giver=giver, quest=quest.pk)


def test_a_quest_without_a_giver_cannot_escrow(world):
    quest = make_quest(world=world, reward_cp=10)

    with pytest.raises(QuestEscrowError) as error:
        quest_escrow_reward(quest=quest)
    assert str(error.value) == NO_GIVER.format(quest=quest.pk)


def test_a_lowered_reward_gives_the_surplus_back(world, giver):
    quest = quest_escrow_reward(quest=make_quest(world=world, giver=giver, reward_cp=200))
    before = money(world)

    quest = quest_reward_set(quest=quest, reward_cp=50)

    giver.refresh_from_db()
    assert (giver.purse, quest.reward_cp, quest.escrow_cp) == (450, 50, 50)
    assert money(world) == before


def test_a_raised_reward_is_escrowed_too_or_refused(world, giver):
    quest = quest_escrow_reward(quest=make_quest(world=world, giver=giver, reward_cp=200))

    quest = quest_reward_set(quest=quest, reward_cp=300)
    with pytest.raises(QuestEscrowError):
        quest_reward_set(quest=quest, reward_cp=1000)

    giver.refresh_from_db()
    quest.refresh_from_db()
    assert (giver.purse, quest.reward_cp, quest.escrow_cp) == (200, 300, 300)


def test_the_reward_of_a_quest_not_yet_escrowed_just_changes(world, giver):
    quest = quest_reward_set(quest=make_quest(world=world, giver=giver, reward_cp=200), reward_cp=900)

    giver.refresh_from_db()
    assert (giver.purse, quest.reward_cp, quest.escrow_cp) == (500, 900, 0)


def test_release_pays_the_character_once(world, giver, hero):
    quest = quest_escrow_reward(quest=make_quest(world=world, giver=giver, reward_cp=120))
    before = money(world)

    paid = quest_escrow_release(quest=quest, to_character=hero)
    again = quest_escrow_release(quest=quest, to_character=hero)

    hero.refresh_from_db()
    assert (paid, again, hero.purse) == (120, 0, 130)
    assert Quest.objects.get(pk=quest.pk).escrow_cp == 0
    assert money(world) == before


def test_release_refuses_a_character_of_another_world(world, giver):
    other = f.make_world()
    town = f.make_settlement(region=f.make_region(world=other))
    stranger = PlayerCharacter.objects.create(
        world=other, owner=f.make_user(), settlement=town, name="Stranger"
    )
    quest = quest_escrow_reward(quest=make_quest(world=world, giver=giver, reward_cp=120))

    with pytest.raises(QuestEscrowError, match="not of the world"):
        quest_escrow_release(quest=quest, to_character=stranger)
    assert Quest.objects.get(pk=quest.pk).escrow_cp == 120


def test_refund_gives_the_reward_back_to_the_giver(world, giver):
    quest = quest_escrow_reward(quest=make_quest(world=world, giver=giver, reward_cp=120))
    before = money(world)

    refunded = quest_escrow_refund(quest=quest)

    giver.refresh_from_db()
    assert (refunded, giver.purse) == (120, 500)
    assert money(world) == before


def test_the_database_refuses_more_escrow_than_reward(world, giver):
    quest = make_quest(world=world, giver=giver, reward_cp=10)

    with pytest.raises(IntegrityError):
        Quest.objects.filter(pk=quest.pk).update(escrow_cp=11)
