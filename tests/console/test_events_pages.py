"""World events in the console: the list, one event's live page, and the form that previews or applies."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

from gmconsole.console.event_views import curve_chart, preview_rows
from tests import factories as f
from world.models import EventImpact, Rumour, RumourHearing, World, WorldEvent
from world.services.chronicle import chronicle_record

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _impact_rows(html: str) -> dict[int, str]:
    """region id -> the table row's html."""
    return {
        int(pk): row for pk, row in re.findall(r'<tr data-region="(\d+)" data-status="\w+">(.*?)</tr>', html)
    }


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]


@pytest.fixture
def realm(town):
    """Mones (1000×500) with two more regions of the rival Sea Kings."""
    World.objects.filter(pk=town.world.pk).update(width=1000, height=500)
    town.world.refresh_from_db()
    world = town.world
    rival = f.make_faction(world=world, name="Sea Kings", color="#3366cc")
    isles = f.make_region(world=world, faction=rival, name="Salt Isles")
    marsh = f.make_region(world=world, faction=rival, name="Fenmarch")
    port = f.make_settlement(region=isles, name="Saltmere", population=9000, x=800, y=120, is_capital=True)
    fen = f.make_settlement(region=marsh, name="Reedholm", population=600, x=650, y=380)
    return {
        "rival": rival,
        "orm": town.home.faction,
        "vale": town.home.region,
        "isles": isles,
        "marsh": marsh,
        "port": port,
        "fen": fen,
    }


@pytest.fixture
def flood(town, realm):
    """A flood at Brindlemoor half applied: the vale done, the isles failed, the fens still pending."""
    world = town.world
    event = WorldEvent.objects.create(
        world=world,
        kind=WorldEvent.Kind.FLOOD,
        title="The Orm floods",
        settlement=town.home,
        region=realm["vale"],
        severity=7,
        duration_ticks=72,
        status=WorldEvent.Status.APPLYING,
        started_tick=62,
        ends_tick=134,
        created_by="gm-anna",
        summary={"regions": 3},
    )
    start = chronicle_record(
        world=world,
        tick=62,
        kind="event",
        settlement=town.home,
        region=realm["vale"],
        text="The Orm floods (severity 7): 3 regions affected for 72 hours.",
        data={"event": event.pk},
    )
    WorldEvent.objects.filter(pk=event.pk).update(chronicle_entry=start)
    event.refresh_from_db()
    vale = EventImpact.objects.create(
        event=event,
        region=realm["vale"],
        hops=0,
        intensity=0.9,
        status=EventImpact.Status.APPLIED,
        attempts=1,
        effects={
            "intensity": 0.9,
            "deaths": 4,
            "refugees": {str(town.other.pk): 11},
            "goods_lost": {"wheat": 30},
            "modifiers": {"production": {"farmer": 0.1}, "safety": -13, "hunger": 0},
            "spikes": ["1:bread"],
        },
    )
    impact_entry = chronicle_record(
        world=world,
        tick=62,
        kind="event",
        region=realm["vale"],
        causes=[start],
        text="The Orm floods reached Orm Vale (intensity 90%): 4 dead; 11 fled.",
        data={"event": event.pk, "impact": vale.pk},
    )
    EventImpact.objects.filter(pk=vale.pk).update(chronicle_entry=impact_entry)
    spike = chronicle_record(
        world=world,
        tick=64,
        kind="economy",
        region=realm["vale"],
        settlement=town.home,
        causes=[impact_entry],
        text="Bread at Brindlemoor rose from 2 to 4 cp (+100%).",
        data={"spike": True, "impact": vale.pk},
    )
    isles = EventImpact.objects.create(
        event=event,
        region=realm["isles"],
        hops=2,
        intensity=0.3,
        status=EventImpact.Status.FAILED,
        attempts=1,
        error="OperationalError: database is locked",
    )
    fens = EventImpact.objects.create(event=event, region=realm["marsh"], hops=3, intensity=0.1)
    return {
        "event": event,
        "vale": vale,
        "isles": isles,
        "fens": fens,
        "start": start,
        "impact_entry": impact_entry,
        "spike": spike,
    }


def _set_status(event: WorldEvent, status: str) -> None:
    WorldEvent.objects.filter(pk=event.pk).update(status=status)


# --- the list ----------------------------------------------------------------------------------


def test_event_list_shows_kind_title_epicentre_severity_status_and_ticks(staff_client, town, realm, flood):
    war = WorldEvent.objects.create(
        world=town.world,
        kind=WorldEvent.Kind.WAR,
        title="The Salt War",
        aggressor=realm["rival"],
        defender=realm["orm"],
        severity=9,
        duration_ticks=240,
        status=WorldEvent.Status.PENDING,
    )
    other_world = f.make_world(name="Elsewhere")
    WorldEvent.objects.create(world=other_world, kind="fire", title="Not here")

    html = _text(staff_client.get(reverse("console:event_list"), {"world": town.world.pk}))

    rows = dict(re.findall(r'<tr data-event="(\d+)">(.*?)</tr>', html))
    assert set(rows) == {str(flood["event"].pk), str(war.pk)}
    assert _cells(rows[str(flood["event"].pk)]) == [
        "Flood",
        "The Orm floods",
        "Brindlemoor Orm Vale",
        "7",
        "Applying",
        "T62",
        "T134",
    ]
    assert _cells(rows[str(war.pk)]) == [
        "War",
        "The Salt War",
        "Sea Kings vs Kingdom of Orm",
        "9",
        "Pending",
        "—",
        "240 ticks",
    ]
    assert f'href="{reverse("console:event_detail", args=[war.pk])}"' in html
    assert rows[str(war.pk)].count('class="on"') == 9
    # newest first
    assert html.index("The Salt War") < html.index("The Orm floods")

    pending = _text(
        staff_client.get(reverse("console:event_list"), {"world": town.world.pk, "status": "pending"})
    )
    assert "The Salt War" in pending and "The Orm floods" not in pending


def test_event_list_runs_a_fixed_number_of_queries(staff_client, town, realm, django_assert_max_num_queries):
    for i in range(20):
        WorldEvent.objects.create(
            world=town.world, kind="war", title=f"War {i}", aggressor=realm["rival"], defender=realm["orm"]
        )
    staff_client.get(reverse("console:event_list"), {"world": town.world.pk})
    with django_assert_max_num_queries(7):
        response = staff_client.get(reverse("console:event_list"), {"world": town.world.pk})
    assert _text(response).count('Sea Kings <span class="muted">vs</span> Kingdom of Orm') == 20


# --- one event ---------------------------------------------------------------------------------


def test_detail_of_an_applying_event_polls_its_regions_every_2_seconds(staff_client, town, realm, flood):
    event = flood["event"]

    html = _text(staff_client.get(reverse("console:event_detail", args=[event.pk])))

    url = reverse("console:event_impacts", args=[event.pk])
    assert f'id="event-impacts" hx-get="{url}" hx-trigger="every 2s" hx-swap="outerHTML"' in html
    assert 'data-testid="event-status">Applying<' in html
    assert "1 applied · 1 pending · 1 failed" in html
    rows = _impact_rows(html)
    assert list(rows) == [realm["vale"].pk, realm["isles"].pk, realm["marsh"].pk]  # by hops
    vale = _cells(rows[realm["vale"].pk])
    assert vale[:7] == ["Orm Vale", "0", "90%", "Applied", "4", "11", "30"]
    assert "safety -13" in vale[7] and "farmer ×0.10" in vale[7] and "1 price spike" in vale[7]
    assert _cells(rows[realm["isles"].pk])[:4] == ["Salt Isles", "2", "30%", "Failed"]
    assert _cells(rows[realm["isles"].pk])[-1] == "OperationalError: database is locked"
    assert _cells(rows[realm["marsh"].pk])[3] == "Pending"
    assert 'data-testid="total-deaths">4<' in html
    # still applying: no retry yet
    assert "Retry failed regions" not in html


def test_polling_stops_once_the_event_is_no_longer_applying(staff_client, town, flood):
    event = flood["event"]
    _set_status(event, WorldEvent.Status.ACTIVE)
    EventImpact.objects.filter(event=event).update(status=EventImpact.Status.APPLIED, error="")

    partial = _text(
        staff_client.get(reverse("console:event_impacts", args=[event.pk]), headers={"HX-Request": "true"})
    )

    assert partial.startswith('<section class="card span-12" id="event-impacts">')
    assert "hx-trigger" not in partial
    assert "3 applied · 0 pending · 0 failed" in partial
    detail = _text(staff_client.get(reverse("console:event_detail", args=[event.pk])))
    assert "every 2s" not in detail


def test_a_partial_event_offers_to_retry_its_failed_regions(staff_client, town, realm, flood):
    event = flood["event"]
    _set_status(event, WorldEvent.Status.PARTIAL)
    WorldEvent.objects.filter(pk=event.pk).update(
        error="Failed in Salt Isles. Retry them from the event page."
    )
    EventImpact.objects.filter(pk=flood["fens"].pk).update(status=EventImpact.Status.APPLIED)

    html = _text(staff_client.get(reverse("console:event_detail", args=[event.pk])))
    retry = reverse("console:event_retry", args=[event.pk])
    assert f'hx-post="{retry}" hx-target="#event-impacts"' in html
    assert "Retry failed regions" in html
    assert 'data-testid="event-error">Failed in Salt Isles.' in html
    assert "every 2s" not in html

    # when the GM retries (the re-send waits for the commit the test never makes)
    response = staff_client.post(retry, headers={"HX-Request": "true"})

    # then the failed region is pending again, the event applying, and the panel polls again
    partial = _text(response)
    assert 'hx-trigger="every 2s"' in partial
    assert "Failed regions of “The Orm floods” sent again (task" in partial
    assert "Retry failed regions" not in partial
    flood["isles"].refresh_from_db()
    assert flood["isles"].status == EventImpact.Status.PENDING and flood["isles"].error == ""
    assert WorldEvent.objects.get(pk=event.pk).status == WorldEvent.Status.APPLYING


def test_retry_with_nothing_failed_says_so(staff_client, town, flood):
    event = flood["event"]
    _set_status(event, WorldEvent.Status.ACTIVE)
    response = staff_client.post(reverse("console:event_retry", args=[event.pk]), follow=True)
    assert "Nothing to retry: no region of “The Orm floods” has failed." in _text(response)


def test_detail_lists_the_events_chronicle_with_why_links(staff_client, town, flood):
    event = flood["event"]
    chronicle_record(world=town.world, tick=63, kind="gm", text="An unrelated note.")

    html = _text(staff_client.get(reverse("console:event_detail", args=[event.pk])))

    section = html[html.index('id="event-chronicle"') : html.index('id="event-rumours"')]
    ids = [int(pk) for pk in re.findall(r'data-entry="(\d+)"', section)]
    assert ids == [flood["start"].pk, flood["impact_entry"].pk, flood["spike"].pk]
    for pk in ids:
        assert f'href="{reverse("console:chronicle_why", args=[pk])}"' in section
    assert "An unrelated note." not in section


def test_detail_draws_the_rumours_curve_and_where_it_was_heard(staff_client, town, realm, flood):
    event = flood["event"]
    teller = f.make_npc(settlement=town.home)
    rumour = Rumour.objects.create(
        world=town.world,
        event=event,
        origin_settlement=town.home,
        source_npc=teller,
        text="The Orm has drowned a town!",
        details={"what": "flood"},
        started_tick=62,
        heard_count=6,
        spreaders=1,
        settlements_reached=2,
        status=Rumour.Status.STOPPED,
        curve=[[62, 1, 1, 1], [63, 4, 3, 1], [64, 6, 2, 2], [65, 6, 1, 2]],
    )
    for settlement, n in ((town.home, 4), (realm["port"], 2)):
        for _ in range(n):
            RumourHearing.objects.create(
                rumour=rumour, npc=f.make_npc(settlement=settlement), settlement=settlement, heard_tick=63
            )

    html = _text(staff_client.get(reverse("console:event_detail", args=[event.pk])))

    section = html[html.index('id="event-rumours"') :]
    assert "“The Orm has drowned a town!”" in section
    assert 'data-testid="heard-count">6<' in section
    assert 'data-testid="settlements-heard">2</strong> of 4 settlements' in section
    points = re.search(r'<polyline class="heard-line" points="([^"]+)"', section)[1]
    assert points == curve_chart(rumour.curve)["heard"]
    heard = dict(re.findall(r'data-settlement="(\d+)" data-count="(\d+)"', section))
    assert heard == {str(town.home.pk): "4", str(realm["port"].pk): "2"}
    assert section.count('class="quiet"') == 2  # Cask Hollow and Reedholm never heard it


def test_detail_queries_do_not_grow_with_regions_or_hearings(
    staff_client, town, realm, flood, django_assert_max_num_queries
):
    event = flood["event"]
    rumour = Rumour.objects.create(
        world=town.world,
        event=event,
        origin_settlement=town.home,
        started_tick=62,
        curve=[[62, 1, 1, 1], [63, 9, 5, 3]],
    )
    for i in range(15):
        region = f.make_region(world=town.world, faction=realm["rival"], name=f"Far {i}")
        s = f.make_settlement(region=region, name=f"Far town {i}")
        EventImpact.objects.create(event=event, region=region, hops=4, intensity=0.05)
        RumourHearing.objects.create(rumour=rumour, npc=f.make_npc(settlement=s), settlement=s, heard_tick=63)
    staff_client.get(reverse("console:event_detail", args=[event.pk]))
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("console:event_detail", args=[event.pk]))
    assert len(_impact_rows(_text(response))) == 18


def test_unknown_event_is_404(staff_client, town):
    assert staff_client.get(reverse("console:event_detail", args=[424242])).status_code == 404


# --- the form ----------------------------------------------------------------------------------


def _form(town, **overrides) -> dict:
    data = {
        "world": town.world.pk,
        "kind": "flood",
        "title": "",
        "description": "",
        "settlement": town.home.pk,
        "region": "",
        "aggressor": "",
        "defender": "",
        "severity": 6,
        "duration_ticks": "",
        "starts_at": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_form_shows_war_fields_only_for_a_war(staff_client, town, realm):
    html = _text(staff_client.get(reverse("console:event_new"), {"world": town.world.pk}))
    assert '<fieldset id="war-fields" data-for-kind="war" hidden>' in html
    assert '<fieldset id="custom-fields" data-for-kind="custom" hidden>' in html
    assert re.search(
        r'<fieldset id="epicentre-fields" data-for-kind="flood plague famine fire festival quest custom">',
        html,
    )
    for value in WorldEvent.Kind.values:
        assert f'<option value="{value}"' in html
    # the states may go to war, not the neutral lands; every settlement is an epicentre
    assert ">Sea Kings</option>" in html and ">Saltmere</option>" in html
    for name in ("safety", "hunger", "production", "prices"):
        assert f'name="{name}"' in html
    # Preview posts the form with htmx into the preview panel
    assert f'hx-post="{reverse("console:event_preview")}?world={town.world.pk}"' in html
    assert 'hx-target="#event-preview"' in html


def test_applying_the_form_creates_the_event_and_starts_it_after_commit(
    staff_client, town, realm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            reverse("console:event_new"), _form(town, title="Spring flood", description="The dams broke.")
        )

    event = WorldEvent.objects.get(world=town.world)
    assert response.status_code == 302
    assert response.url == reverse("console:event_detail", args=[event.pk])
    assert (event.kind, event.title, event.settlement, event.region, event.severity) == (
        "flood",
        "Spring flood",
        town.home,
        realm["vale"],
        6,
    )
    assert event.status == WorldEvent.Status.PENDING
    assert event.origin == WorldEvent.Origin.CONSOLE
    assert event.created_by.startswith("user")
    assert event.duration_ticks == 72  # the flood's usual length
    assert len(callbacks) == 1  # the start task, sent once the transaction commits
    page = _text(staff_client.get(response.url))
    assert "“Spring flood” created and sent to the workers (task " in page


def test_a_war_needs_both_sides_and_says_so_next_to_the_field(staff_client, town, realm):
    response = staff_client.post(
        reverse("console:event_new"), _form(town, kind="war", aggressor=realm["rival"].pk, defender="")
    )
    assert response.status_code == 400
    html = _text(response)
    assert re.search(
        r'<ul class="errorlist" data-field="defender"><li>A war needs an aggressor and a defender.', html
    )
    assert '<fieldset id="war-fields" data-for-kind="war">' in html  # shown, since the kind is war
    assert not WorldEvent.objects.exists()


def test_a_war_keeps_only_its_sides(staff_client, town, realm):
    staff_client.post(
        reverse("console:event_new"),
        _form(
            town, kind="war", aggressor=realm["rival"].pk, defender=realm["orm"].pk, settlement=town.home.pk
        ),
    )
    war = WorldEvent.objects.get()
    assert (war.aggressor, war.defender, war.settlement) == (realm["rival"], realm["orm"], None)
    assert war.title == "War: Sea Kings against Kingdom of Orm"


def test_a_custom_event_stores_the_gms_effects(staff_client, town):
    staff_client.post(
        reverse("console:event_new"),
        _form(
            town, kind="custom", title="Dragon sighted", safety="-20", prices="1.5", hunger="", production=""
        ),
    )
    event = WorldEvent.objects.get()
    assert event.effects == {"safety": -20.0, "prices": 1.5}


def test_a_custom_effect_out_of_range_is_shown_next_to_it(staff_client, town):
    response = staff_client.post(reverse("console:event_new"), _form(town, kind="custom", prices="9"))
    assert response.status_code == 400
    assert 'data-field="prices"><li>Effect &#x27;prices&#x27; must lie between 0.25 and 4.</li>' in _text(
        response
    )
    assert not WorldEvent.objects.exists()


def test_a_later_start_makes_a_clocked_schedule(staff_client, town):
    when = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = staff_client.post(
        reverse("console:event_new"), _form(town, starts_at=when.strftime("%Y-%m-%dT%H:%M")), follow=True
    )
    event = WorldEvent.objects.get()
    assert event.starts_at == when
    task = PeriodicTask.objects.get(task="world.event_start")
    assert task.clocked.clocked_time == when and task.one_off
    assert json.loads(task.args) == [event.pk]
    assert f"it starts at {when:%Y-%m-%d %H:%M} UTC" in _text(response)


# --- preview -------------------------------------------------------------------------------------


def test_preview_queues_the_simulation_and_polls_for_its_result(
    staff_client, town, realm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            reverse("console:event_preview") + f"?world={town.world.pk}",
            _form(town),
            headers={"HX-Request": "true"},
        )

    html = _text(response)
    task_id = re.search(r"<code>([0-9a-f-]{36})</code>", html)[1]
    poll = reverse("console:event_preview_result", args=[task_id])
    assert f'id="event-preview" hx-get="{poll}" hx-trigger="every 1s" hx-swap="outerHTML"' in html
    assert len(callbacks) == 1
    assert not WorldEvent.objects.exists()  # a preview changes nothing

    # while the worker has not answered, the panel keeps polling
    assert 'hx-trigger="every 1s"' in _text(staff_client.get(poll, headers={"HX-Request": "true"}))
    TaskResult.objects.create(task_id=task_id, status="STARTED", task_name="world.event_preview")
    assert "started" in _text(staff_client.get(poll, headers={"HX-Request": "true"}))


def test_a_finished_preview_shows_the_predicted_effects_per_region(staff_client, town, realm):
    result = {
        "title": "Flood at Brindlemoor",
        "kind": "flood",
        "hours": 6,
        "error": "",
        "regions": [
            {
                "region_id": realm["vale"].pk,
                "region": "Orm Vale",
                "hops": 0,
                "intensity": 0.8,
                "deaths": 3,
                "refugees": 10,
                "needs": {"hunger": [20, 35], "safety": [70, 55]},
                "prices": {"bread": [2, 3], "iron": [10, 10]},
                "production": {"wheat": [40, 4]},
            },
            {
                "region_id": realm["isles"].pk,
                "region": "Salt Isles",
                "hops": 2,
                "intensity": 0.2,
                "deaths": 0,
                "refugees": 0,
                "needs": {},
                "prices": {},
                "production": {},
            },
        ],
    }
    TaskResult.objects.create(task_id="p-1", status="SUCCESS", result=json.dumps(result))

    html = _text(
        staff_client.get(
            reverse("console:event_preview_result", args=["p-1"]), headers={"HX-Request": "true"}
        )
    )

    assert "hx-trigger" not in html  # done: no more polling
    rows = dict(re.findall(r'<tr data-region="(\d+)">(.*?)</tr>', html))
    vale = _cells(rows[str(realm["vale"].pk)])
    assert vale[:5] == ["Orm Vale", "0", "80%", "3", "10"]
    assert "hunger 20 → 35" in vale[5] and "safety 70 → 55" in vale[5]
    assert vale[6] == "bread 2 → 3 (+50%)"  # iron does not move
    assert vale[7] == "wheat 40 → 4 (-90%)"
    assert _cells(rows[str(realm["isles"].pk)])[5:] == ["—", "unchanged", "unchanged"]
    assert "Flood at Brindlemoor · the next 6 hours" in html


def test_a_failed_preview_shows_the_error(staff_client, town):
    TaskResult.objects.create(
        task_id="p-2",
        status="FAILURE",
        result=json.dumps({"exc_type": "SoftTimeLimitExceeded", "exc_message": ["took too long"]}),
    )
    html = _text(staff_client.get(reverse("console:event_preview_result", args=["p-2"])))
    assert 'data-testid="preview-errors"><div>SoftTimeLimitExceeded: took too long</div>' in html
    assert "hx-trigger" not in html
    TaskResult.objects.create(
        task_id="p-3", status="SUCCESS", result=json.dumps({"regions": [], "error": "No such world"})
    )
    assert "No such world" in _text(staff_client.get(reverse("console:event_preview_result", args=["p-3"])))


def test_preview_of_a_bad_event_says_what_is_wrong_without_queueing(
    staff_client, town, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            reverse("console:event_preview") + f"?world={town.world.pk}",
            _form(town, kind="war"),
            headers={"HX-Request": "true"},
        )
    html = _text(response)
    assert 'data-testid="preview-errors"><div>A war needs an aggressor and a defender.</div>' in html
    assert callbacks == []
    bad = staff_client.post(
        reverse("console:event_preview") + f"?world={town.world.pk}", _form(town, severity=11)
    )
    assert "Severity: Ensure this value is less than or equal to 10." in _text(bad)


# --- pure helpers, and who may look ----------------------------------------------------------------


def test_curve_chart_rises_and_flattens_on_a_zero_based_axis():
    chart = curve_chart(
        [[10, 1, 1, 1], [12, 50, 30, 3], [14, 90, 10, 6], [16, 90, 0, 6]], width=200, height=100
    )
    points = [tuple(map(float, p.split(","))) for p in chart["heard"].split()]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert xs == sorted(xs) and xs[0] == 44.0 and xs[-1] == 190.0
    assert ys[0] > ys[1] > ys[2] == ys[3] == 10.0  # SVG y grows downwards; the top is 90 heard
    assert ys[0] == pytest.approx(10 + 66 * (1 - 1 / 90), abs=0.05)
    assert (chart["first_tick"], chart["last_tick"], chart["most"]) == (10, 16, 90)
    assert [g["value"] for g in chart["grid"]] == [50]
    assert curve_chart([[10, 1, 1, 1]]) is None


def test_preview_rows_keep_the_largest_price_changes():
    prices = {f"good-{i}": [10, 10 + i] for i in range(10)}
    rows = preview_rows(
        {"regions": [{"region_id": 1, "region": "A", "hops": 0, "intensity": 1, "prices": prices}]}
    )
    assert [c["name"] for c in rows[0]["prices"]] == [f"good-{i}" for i in (9, 8, 7, 6, 5, 4)]
    assert rows[0]["prices_hidden"] == 3  # good-0 did not change at all


def test_event_pages_are_for_staff_only(client, town, flood):
    event = flood["event"]
    gets = [
        reverse("console:event_list"),
        reverse("console:event_new"),
        reverse("console:event_detail", args=[event.pk]),
        reverse("console:event_impacts", args=[event.pk]),
        reverse("console:event_preview_result", args=["x"]),
    ]
    posts = [
        reverse("console:event_new"),
        reverse("console:event_preview"),
        reverse("console:event_retry", args=[event.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 302, url
    for url in posts:
        assert client.post(url).status_code == 302, url
    client.force_login(f.make_user(is_staff=False))
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url).status_code == 403, url


def test_the_gm_ends_an_event_from_its_page(staff_client):
    from tests.world.event_fixtures import linked_world
    from world.events import services as event_services
    from world.models import WorldEvent

    world, towns = linked_world(regions=1)
    fire = event_services.event_create(world=world, kind="fire", settlement=towns[0])
    event_services.event_start(event_id=fire.pk)
    page = staff_client.get(reverse("console:event_detail", args=[fire.pk])).content.decode()
    assert 'data-testid="event-end"' in page and "End now" in page

    answer = staff_client.post(reverse("console:event_end", args=[fire.pk]), follow=True)

    assert WorldEvent.objects.get(pk=fire.pk).status == "ended"
    html = answer.content.decode()
    assert "is over: its effects stop from this tick" in html and 'data-testid="event-end"' not in html
