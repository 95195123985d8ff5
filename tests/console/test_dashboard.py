"""The dashboard shows the world as the database has it, and its panels poll with htmx."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult

from economy.selectors import PriceTrend
from gmconsole.console.display import ago, coins, sparkline
from npcs.models import Activity
from tests import factories as f
from world.models import ChronicleEntry, ShardRun, TickRun

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_dashboard_shows_clock_tick_population_prices_chronicle_and_tasks(staff_client, town):
    # given people doing things, and a finished worker task
    for activity in (Activity.WORK, Activity.WORK, Activity.SLEEP):
        f.make_npc(settlement=town.home, activity=activity)
    f.make_npc(settlement=town.other, activity=Activity.EAT)
    f.make_npc(settlement=town.other, is_alive=False)
    TaskResult.objects.create(
        task_id="t-1", task_name="world.tick_finish", status="SUCCESS", worker="celery@sim-1"
    )

    # when
    response = staff_client.get(reverse("console:dashboard"))

    # then: the clock (tick 62 = day 3, 14:00; year from the world's start year)
    assert response.status_code == 200
    html = _text(response)
    assert 'data-testid="clock">Day <strong>3</strong> · <strong>14:00</strong>' in html
    assert "Year 1203, Age of Ash" in html
    # the latest tick: duration, NPC updates, shards, and the skipped count
    assert 'data-testid="tick-duration">2.3 s<' in html
    assert '<dd class="num">118</dd>' in html
    assert '<dd class="num">3/3</dd>' in html
    assert 'Skipped while busy: <strong class="num">4</strong>' in html
    # population: 4 living (the dead one is not counted), 2 settlements, counts by activity
    assert 'data-testid="living">4<' in html
    assert '<span class="bignum">2</span><span class="muted">settlements</span>' in html
    assert 'data-activity="work">2<' in html
    assert 'data-activity="sleep">1<' in html
    assert 'data-activity="eat">1<' in html
    assert 'data-activity="idle">0<' in html
    # prices: bread now 3.5 cp, up 75 % on 12 ticks ago; iron down
    assert 'data-price="bread">3.5<' in html
    assert re.search(r'trend-up">\s*▲\s*75%', html)
    assert '2.0 <span class="small">(12 ticks ago)</span>' in html
    assert re.search(r'trend-down">\s*▼\s*-8%', html)
    # the chronicle, newest first, with a link to the settlement
    assert html.index("A fire broke out in the tannery of Brindlemoor.") < html.index(
        "Cask Hollow ran out of ale."
    )
    assert reverse("console:settlement_detail", args=[town.home.pk]) in html
    # the task result, linked to its admin page
    assert "world.tick_finish" in html
    assert "celery@sim-1" in html
    task = TaskResult.objects.get(task_id="t-1")
    assert reverse("admin:django_celery_results_taskresult_change", args=[task.pk]) in html


def test_every_live_panel_polls_its_own_partial_every_3_seconds(staff_client, town):
    html = _text(staff_client.get(reverse("console:dashboard")))
    for panel in ("clock", "ticks", "population", "prices", "chronicle", "events", "tasks"):
        url = reverse("console:panel", args=[panel])
        assert f'hx-get="{url}?world={town.world.pk}" hx-trigger="every 3s" hx-swap="outerHTML"' in html


def test_panel_partial_is_a_fragment_with_fresh_values(staff_client, town):
    # given the clock moved on after the page was loaded
    staff_client.get(reverse("console:dashboard"))
    town.world.current_tick = 75
    town.world.save(update_fields=["current_tick"])

    response = staff_client.get(reverse("console:panel", args=["clock"]), headers={"HX-Request": "true"})

    html = _text(response)
    assert "<html" not in html
    assert html.strip().startswith('<section class="card span-4 panel-clock" id="panel-clock"')
    assert "Day <strong>4</strong> · <strong>03:00</strong>" in html


def test_ticks_panel_shows_a_running_tick_and_its_shards(staff_client, town):
    TickRun.objects.create(world=town.world, tick=63, status=TickRun.Status.RUNNING, shards_total=4)
    ShardRun.objects.create(world=town.world, tick=63, shard="region:1")  # one shard applied so far

    html = _text(staff_client.get(reverse("console:panel", args=["ticks"])))

    assert "running tick 63" in html
    assert "1/4 shards done" in html


def test_a_tick_running_longer_than_the_stale_limit_is_not_shown_as_running(staff_client, town, settings):
    run = TickRun.objects.create(world=town.world, tick=63, status=TickRun.Status.RUNNING, shards_total=4)
    TickRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.GMCONSOLE_TICK_STALE_SECONDS + 5)
    )

    html = _text(staff_client.get(reverse("console:panel", args=["ticks"])))

    assert "running tick 63" not in html
    assert '<span class="pill pill-idle">idle</span>' in html


def test_world_switcher_remembers_the_chosen_world(staff_client, town):
    second = f.make_world(name="Zephyria", current_tick=24 * 9)

    staff_client.get(reverse("console:dashboard"), {"world": second.pk})
    html = _text(staff_client.get(reverse("console:panel", args=["clock"])))

    assert "Day <strong>10</strong> · <strong>00:00</strong>" in html


def test_prices_without_history_fall_back_to_live_market_average(staff_client, town):
    # given a fresh world: markets but no price point yet
    world = f.make_world()
    region = f.make_region(world=world)
    for price in (4, 6):
        f.make_market(settlement=f.make_settlement(region=region), stocks={town.bread: (10, price)})

    html = _text(staff_client.get(reverse("console:panel", args=["prices"]), {"world": world.pk}))

    assert 'data-price="bread">5.0<' in html
    assert "no history yet" in html


def test_dashboard_query_count_does_not_grow_with_npcs_chronicle_or_results(
    staff_client, town, django_assert_max_num_queries
):
    for i in range(300):
        f.make_npc(settlement=town.home if i % 2 else town.other, activity=Activity.values[i % 5])
    for i in range(30):
        ChronicleEntry.objects.create(
            world=town.world, tick=i, kind="npc", settlement=town.other, text=f"Event {i}"
        )
        TaskResult.objects.create(task_id=f"task-{i}", task_name="world.tick_region", status="SUCCESS")
    for tick in range(40, 62):
        TickRun.objects.get_or_create(
            world=town.world, tick=tick, defaults={"status": "done", "duration_ms": 1000 + tick}
        )

    from world.models import EventImpact, WorldEvent

    for i in range(8):
        event = WorldEvent.objects.create(
            world=town.world,
            kind="fire",
            title=f"Fire {i}",
            settlement=town.home,
            status="active",
            ends_tick=90,
        )
        EventImpact.objects.create(event=event, region=town.home.region, intensity=0.5, status="applied")

    with django_assert_max_num_queries(17):  # + the events in force, with their regions counted
        response = staff_client.get(reverse("console:dashboard"))
    assert response.status_code == 200


def test_the_events_panel_shows_what_is_in_force_with_its_progress(staff_client, town):
    from world.models import EventImpact, WorldEvent

    town.world.current_tick = 30
    town.world.save(update_fields=["current_tick"])
    flood = WorldEvent.objects.create(
        world=town.world,
        kind="flood",
        title="Flood at Brindlemoor",
        settlement=town.home,
        status="applying",
        ends_tick=40,
    )
    EventImpact.objects.create(event=flood, region=town.home.region, intensity=1.0, status="applied")
    EventImpact.objects.create(
        event=flood, region=f.make_region(world=town.world), intensity=0.5, status="pending"
    )
    WorldEvent.objects.create(
        world=town.world, kind="fire", title="Old fire", settlement=town.home, status="ended"
    )

    html = _text(staff_client.get(reverse("console:panel", args=["events"]), headers={"HX-Request": "true"}))

    assert html.strip().startswith('<section class="card span-12 panel-events" id="panel-events"')
    assert "Flood at Brindlemoor" in html and "Old fire" not in html
    assert "1/2" in html and "T40" in html and "(10 left)" in html


def test_price_trend_direction_ignores_moves_under_one_percent(town):
    assert PriceTrend(item=town.bread, now=2.3, then=2.0).direction == "up"
    assert PriceTrend(item=town.bread, now=1.6, then=2.1).direction == "down"
    assert PriceTrend(item=town.bread, now=100.5, then=100.0).direction == "flat"
    assert PriceTrend(item=town.bread, now=3.0).direction == "flat"


def test_ago_is_compact():
    now = timezone.now()
    assert ago(now - timedelta(seconds=8), now=now) == "8 s ago"
    assert ago(now - timedelta(minutes=3, seconds=5), now=now) == "3 min ago"
    assert ago(now - timedelta(hours=5), now=now) == "5 h ago"
    assert ago(None, now=now) == "—"


def test_coins_and_sparkline_helpers():
    assert coins(12345) == "123 gp 4 sp 5 cp"
    assert coins(0) == "0 cp"
    assert coins(70) == "7 sp"
    assert sparkline([1.0]) == ""
    assert sparkline([1.0, 3.0], width=10, height=10, pad=0) == "0.0,10.0 10.0,0.0"
    assert sparkline([2.0, 2.0], width=10, height=10, pad=0) == "0.0,5.0 10.0,5.0"
