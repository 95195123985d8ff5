"""Every model has an admin whose changelist and change page render with rows present."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django_celery_results.models import TaskResult

from economy.models import MarketStock, PricePoint
from gmconsole.llm.services import llm_budget_set, llm_call_record
from gmconsole.models import ApiToken
from gmconsole.services import api_token_create, player_task_record
from npcs.models import PlayerCharacter
from tests import factories as f
from world.models import (
    EventImpact,
    FactionRelation,
    Rumour,
    RumourHearing,
    ShardRun,
    Stance,
    TickRun,
    WorldEvent,
)

pytestmark = pytest.mark.django_db

OUR_APPS = ("world", "npcs", "economy", "gmconsole")


@pytest.fixture
def every_row(town):
    other_faction = f.make_faction(world=town.world, name="Free Marches")
    FactionRelation.objects.create(
        world=town.world, faction=town.home.faction, other=other_faction, stance=Stance.RIVAL
    )
    ShardRun.objects.create(world=town.world, tick=62, shard="region:1", npc_updates=40, duration_ms=300)
    f.make_npc(settlement=town.home, name="Ada Fenwick")
    user = f.make_user(username="player-one")
    PlayerCharacter.objects.create(world=town.world, owner=user, settlement=town.home, name="Ser Rowan")
    api_token_create(user=user, name="laptop")
    player_task_record(user=user, task_id="t-2", name="look-around")
    llm_call_record(world=town.world, purpose="quests.plot", narrator="llm", outcome="ok")
    llm_budget_set(world=town.world, daily_usd=Decimal("2.00"))
    TaskResult.objects.create(task_id="t-1", task_name="world.tick", status="SUCCESS")
    event = WorldEvent.objects.create(
        world=town.world, kind="flood", title="Flood at Brindlemoor", settlement=town.home
    )
    EventImpact.objects.create(event=event, region=town.home.region, intensity=0.8, effects={"deaths": 2})
    npc = f.make_npc(settlement=town.home, name="Old Mag")
    rumour = Rumour.objects.create(
        world=town.world,
        event=event,
        origin_settlement=town.home,
        source_npc=npc,
        started_tick=3,
        text="Water!",
    )
    RumourHearing.objects.create(rumour=rumour, npc=npc, settlement=town.home, heard_tick=3, text="Water!")
    return town


def test_every_model_of_our_apps_is_registered():
    missing = [
        model._meta.label
        for name in OUR_APPS
        for model in apps.get_app_config(name).get_models()
        if not admin.site.is_registered(model)
    ]
    assert missing == []


def test_every_changelist_and_change_page_renders(admin_client, every_row):
    models = [m for name in OUR_APPS for m in apps.get_app_config(name).get_models()]
    for model in models:
        opts = model._meta
        changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        obj = model.objects.first()
        assert obj is not None, f"no {opts.label} row in the fixture"
        change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, opts.label


def test_search_and_filters_work_on_big_tables(admin_client, every_row):
    response = admin_client.get(reverse("admin:npcs_npc_changelist"), {"q": "Ada", "activity__exact": "idle"})
    assert response.status_code == 200
    assert "Ada Fenwick" in response.content.decode()
    response = admin_client.get(reverse("admin:world_settlement_changelist"), {"q": "Brindle"})
    assert "Brindlemoor" in response.content.decode()


def test_celery_admin_pages_linked_from_the_console_render(admin_client, every_row):
    assert admin_client.get(reverse("admin:django_celery_results_taskresult_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200


def test_api_token_admin_shows_the_prefix_never_the_hash(admin_client, every_row):
    token = ApiToken.objects.get(name="laptop")

    changelist = admin_client.get(reverse("admin:gmconsole_apitoken_changelist")).content.decode()
    change = admin_client.get(reverse("admin:gmconsole_apitoken_change", args=[token.pk])).content.decode()

    assert f"{token.prefix}…" in changelist
    assert token.key_hash not in changelist
    assert token.key_hash not in change
    assert 'name="key_hash"' not in change
    assert 'name="prefix"' not in change  # shown, not editable


def test_api_token_admin_revokes_through_the_service(admin_client, every_row):
    token = ApiToken.objects.get(name="laptop")

    admin_client.post(
        reverse("admin:gmconsole_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked is True


def test_engine_rows_are_read_only(admin_client, every_row):
    for model in (TickRun, ShardRun, PricePoint):
        opts = model._meta
        assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
        obj = model.objects.first()
        change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert 'type="submit" value="Save"' not in change.content.decode(), opts.label


def test_market_stock_admin_shows_the_market_and_item(admin_client, every_row):
    html = admin_client.get(reverse("admin:economy_marketstock_changelist")).content.decode()
    assert MarketStock.objects.count() == 2
    assert "Bread (loaf)" in html and "Market of Brindlemoor" in html


def test_admin_site_is_titled_gmconsole(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "<title>World administration | gmconsole</title>" in html
    assert ">gmconsole</a>" in html
