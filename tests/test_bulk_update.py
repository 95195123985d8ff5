import pytest

from gmconsole.bulk_update import bulk_update_values
from npcs.models import Npc
from tests.factories import make_npc, make_region, make_settlement, make_world

pytestmark = pytest.mark.django_db


def test_bulk_update_values_writes_only_the_given_rows_and_fields(monkeypatch):
    monkeypatch.setattr("gmconsole.bulk_update.BATCH_ROWS", 2)  # several batches
    town = make_settlement(region=make_region(world=make_world()))
    npcs = [make_npc(settlement=town, hunger=50, purse=10, activity="idle") for _ in range(5)]

    written = bulk_update_values(
        Npc, ["hunger", "activity"], [(n.pk, 10 + i, "work") for i, n in enumerate(npcs[:4])]
    )

    assert written == 4
    rows = list(Npc.objects.order_by("id").values_list("hunger", "activity", "purse"))
    assert rows == [(10, "work", 10), (11, "work", 10), (12, "work", 10), (13, "work", 10), (50, "idle", 10)]


def test_bulk_update_values_with_nothing_to_do():
    assert bulk_update_values(Npc, ["hunger"], []) == 0
