"""The hook scan against the real database: it finds troubles, is idempotent, expires and reopens."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError

from economy.models import Item, MarketStock
from npcs.models import Npc
from quests import services
from quests.hooks import MAX_NEW_HOOKS_PER_KIND
from quests.models import QuestHook
from quests.services import HOOK_EXPIRE_AFTER_TICKS, hooks_scan
from tests.quests.conftest import make_quest, set_stock, set_tick
from world.models import ChronicleEntry, Settlement, World

pytestmark = pytest.mark.django_db


def first_town(world: World) -> Settlement:
    return Settlement.objects.filter(world=world).order_by("id").first()


def test_a_calm_world_raises_no_hooks(world):
    result = hooks_scan(world=world)

    assert result.troubles == 0 and result.created == []
    assert result.chronicle_id is None
    assert not QuestHook.objects.exists()


def test_an_empty_bread_shelf_becomes_a_hook_with_a_baker_as_giver(world):
    town = first_town(world)
    set_stock(town, "bread", quantity=0)

    result = hooks_scan(world=world)

    hook = QuestHook.objects.get()
    assert result.created == [hook.pk]
    assert hook.key == f"shortage:settlement:{town.pk}:bread"
    assert (hook.kind, hook.status, hook.motivation) == ("shortage", "open", "comfort")
    assert hook.settlement == town and hook.region_id == town.region_id
    assert hook.item == Item.objects.get(code="bread")
    assert hook.giver.profession == "baker" and hook.giver.settlement == town
    involved = set(hook.involved.values_list("pk", flat=True))
    assert hook.giver_id in involved and 2 <= len(involved) <= 4
    assert set(Npc.objects.filter(pk__in=involved).values_list("settlement", flat=True)) == {town.pk}
    assert hook.facts["quantity"] == 0 and hook.facts["target"] == 40
    assert (hook.detected_tick, hook.last_seen_tick) == (10, 10)
    entry = ChronicleEntry.objects.get(pk=result.chronicle_id)
    assert entry.kind == ChronicleEntry.Kind.QUEST and entry.tick == 10
    assert "Bread is short in" in entry.text and entry.settlement == town
    assert entry.data["hooks"] == [hook.pk]


def test_scanning_twice_creates_no_duplicates(world):
    set_stock(first_town(world), "bread", quantity=0)
    hooks_scan(world=world)
    chronicle = ChronicleEntry.objects.count()

    again = hooks_scan(world=world)

    assert again.created == [] and again.refreshed == 1
    assert QuestHook.objects.count() == 1
    assert QuestHook.involved.through.objects.count() == QuestHook.objects.get().involved.count()
    assert ChronicleEntry.objects.count() == chronicle  # nothing new to tell


def test_a_trouble_seen_again_is_refreshed(world):
    town = first_town(world)
    set_stock(town, "bread", quantity=0)
    hooks_scan(world=world)
    set_tick(world, 15)
    set_stock(town, "bread", quantity=5)

    hooks_scan(world=world)

    hook = QuestHook.objects.get()
    assert (hook.detected_tick, hook.last_seen_tick) == (10, 15)
    assert hook.facts["quantity"] == 5


def test_a_trouble_gone_long_enough_expires_and_reopens_when_it_returns(world):
    town = first_town(world)
    set_stock(town, "bread", quantity=0)
    hooks_scan(world=world)
    set_stock(town, "bread", quantity=40)

    set_tick(world, 10 + HOOK_EXPIRE_AFTER_TICKS)
    assert hooks_scan(world=world).expired == 0  # not yet
    set_tick(world, 11 + HOOK_EXPIRE_AFTER_TICKS)
    assert hooks_scan(world=world).expired == 1
    assert QuestHook.objects.get().status == QuestHook.Status.EXPIRED

    set_tick(world, 50)
    set_stock(town, "bread", quantity=1)
    back = hooks_scan(world=world)

    hook = QuestHook.objects.get()
    assert back.reopened == [hook.pk] and back.created == []
    assert (hook.status, hook.detected_tick, hook.last_seen_tick) == ("open", 50, 50)
    assert hook.involved.filter(pk=hook.giver_id).exists()
    assert hook.generation_key == f"hook:{hook.pk}:50"  # a returning trouble is drafted anew
    assert back.chronicle_id is not None


def test_a_drafted_hook_does_not_expire(world):
    town = first_town(world)
    set_stock(town, "bread", quantity=0)
    hooks_scan(world=world)
    QuestHook.objects.update(status=QuestHook.Status.DRAFTED)
    set_stock(town, "bread", quantity=40)
    set_tick(world, 100)

    assert hooks_scan(world=world).expired == 0
    assert QuestHook.objects.get().status == QuestHook.Status.DRAFTED


def test_a_scan_raises_only_a_few_new_troubles_and_the_rest_later(world):

    MarketStock.objects.filter(
        market__world=world, item__code__in=["bread", "cheese", "fish", "meat"]
    ).update(quantity=0)  # 4 towns × 4 goods = 16 shortages

    first = hooks_scan(world=world)
    second = hooks_scan(world=world)

    assert first.troubles == 16
    assert len(first.created) == MAX_NEW_HOOKS_PER_KIND
    assert first.held_back == 16 - MAX_NEW_HOOKS_PER_KIND
    assert len(second.created) == MAX_NEW_HOOKS_PER_KIND
    assert second.refreshed == MAX_NEW_HOOKS_PER_KIND
    assert QuestHook.objects.count() == 2 * MAX_NEW_HOOKS_PER_KIND


def test_a_full_list_makes_way_for_a_more_pressing_trouble(world, monkeypatch):
    monkeypatch.setattr(services, "MAX_OPEN_HOOKS_PER_KIND", 1)
    towns = list(Settlement.objects.filter(world=world).order_by("id"))
    set_stock(towns[0], "bread", quantity=9)  # short by 77 %
    hooks_scan(world=world)
    set_stock(towns[1], "bread", quantity=0)  # short by 100 %

    result = hooks_scan(world=world)

    assert result.displaced == 1 and len(result.created) == 1
    statuses = dict(QuestHook.objects.values_list("settlement_id", "status"))
    assert statuses == {towns[0].pk: "expired", towns[1].pk: "open"}


def test_a_hook_with_a_quest_cannot_be_deleted(world):
    set_stock(first_town(world), "bread", quantity=0)
    hooks_scan(world=world)
    hook = QuestHook.objects.get()
    make_quest(world=world, hook=hook)

    with pytest.raises(ProtectedError):
        hook.delete()
