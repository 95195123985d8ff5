"""The chronicle timeline filters the world's history, and the "why" view walks causes back."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gmconsole.console import world_selectors
from tests import factories as f
from world.models import ChronicleEntry
from world.services.chronicle import chronicle_record

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _entry_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li data-entry="(\d+)"', html)]


def _why_rows(html: str) -> list[tuple[int, int]]:
    """(entry id, depth) of each row of the why tree, in order."""
    return [(int(pk), int(d)) for pk, d in re.findall(r'data-entry="(\d+)" data-depth="(\d+)"', html)]


@pytest.fixture
def flood(town):
    """A flood's chain in the chronicle: the flood, its impact on the vale, and a bread price spike."""
    world, region = town.world, town.home.region
    event = chronicle_record(
        world=world,
        tick=63,
        kind=ChronicleEntry.Kind.EVENT,
        region=region,
        settlement=town.home,
        text="The Orm burst its banks at Brindlemoor (severity 7).",
    )
    impact = chronicle_record(
        world=world,
        tick=63,
        kind=ChronicleEntry.Kind.EVENT,
        region=region,
        text="The flood reached Orm Vale (intensity 80%): 3 dead.",
        causes=[event],
    )
    spike = chronicle_record(
        world=world,
        tick=65,
        kind=ChronicleEntry.Kind.ECONOMY,
        region=region,
        settlement=town.home,
        text="Bread at Brindlemoor rose from 2 to 4 cp (+100%).",
        data={"item": "bread", "before": 2, "now": 4},
        causes=[impact],
    )
    return event, impact, spike


# --- the timeline -----------------------------------------------------------------------------


def test_timeline_lists_the_worlds_entries_newest_first_each_with_its_why_link(staff_client, town, flood):
    event, impact, spike = flood
    elsewhere = f.make_world(name="Elsewhere")
    ChronicleEntry.objects.create(world=elsewhere, tick=99, kind="gm", text="Not in Mones.")

    html = _text(staff_client.get(reverse("console:chronicle"), {"world": town.world.pk}))

    fire, ale = ChronicleEntry.objects.filter(world=town.world, tick__in=[60, 61]).order_by("-tick")
    # same tick (63): the later entry first
    assert _entry_ids(html) == [spike.pk, impact.pk, event.pk, fire.pk, ale.pk]
    assert "Not in Mones." not in html
    assert "5 entries" in html
    for entry in (spike, impact, event, fire, ale):
        assert f'href="{reverse("console:chronicle_why", args=[entry.pk])}"' in html
    # entries with causes say how many
    assert re.search(rf'data-entry="{spike.pk}".*?why\? <span class="muted">\(1 cause\)</span>', html)
    # the place: settlement (linked) and region
    assert (
        f'<a href="{reverse("console:settlement_detail", args=[town.home.pk])}">Brindlemoor</a>, Orm Vale'
        in html
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "economy"}, ["spike", "ale"]),
        ({"kind": "event"}, ["impact", "event", "fire"]),
        ({"settlement": "other"}, ["ale"]),
        ({"region": "vale"}, ["spike", "impact", "event", "fire", "ale"]),  # settlement entries count too
        ({"region": "hills"}, []),
        ({"tick_from": 61, "tick_to": 63}, ["impact", "event", "fire"]),
        ({"tick_from": 64}, ["spike"]),
        ({"q": "BREAD"}, ["spike"]),
        ({"kind": "event", "q": "flood"}, ["impact"]),
        ({"kind": "nonsense"}, ["spike", "impact", "event", "fire", "ale"]),  # unknown kind: ignored
    ],
)
def test_timeline_filters(staff_client, town, flood, params, expected):
    event, impact, spike = flood
    hills = f.make_region(world=town.world, name="Grey Hills")
    entries = {
        "spike": spike.pk,
        "impact": impact.pk,
        "event": event.pk,
        "fire": ChronicleEntry.objects.get(world=town.world, tick=61).pk,
        "ale": ChronicleEntry.objects.get(world=town.world, tick=60).pk,
    }
    ids = {"other": town.other.pk, "vale": town.home.region_id, "hills": hills.pk}
    query = {k: ids.get(v, v) if k in ("settlement", "region") else v for k, v in params.items()}

    html = _text(staff_client.get(reverse("console:chronicle"), {"world": town.world.pk, **query}))

    assert _entry_ids(html) == [entries[name] for name in expected]
    if not expected:
        assert "No entry matches these filters." in html


def test_filter_form_refreshes_the_list_with_htmx_and_the_partial_is_a_fragment(staff_client, town, flood):
    page = _text(staff_client.get(reverse("console:chronicle"), {"world": town.world.pk}))
    url = reverse("console:chronicle")
    assert f'hx-get="{url}" hx-target="#chronicle-results" hx-swap="outerHTML"' in page
    for name in ("q", "kind", "region", "settlement", "tick_from", "tick_to"):
        assert f'name="{name}"' in page

    partial = _text(
        staff_client.get(url, {"world": town.world.pk, "kind": "economy"}, headers={"HX-Request": "true"})
    )
    assert partial.startswith('<section class="card" id="chronicle-results">')
    assert "<html" not in partial
    assert "2 entries match the filters" in partial


def test_timeline_pages_by_fifty_and_keeps_the_filters(staff_client, town):
    ChronicleEntry.objects.bulk_create(
        ChronicleEntry(world=town.world, tick=100 + i, kind="gm", text=f"Note {i}") for i in range(53)
    )
    first = _text(staff_client.get(reverse("console:chronicle"), {"world": town.world.pk, "kind": "gm"}))
    assert len(_entry_ids(first)) == 50
    assert "Page 1 of 2" in first
    assert "?world=" in first and "kind=gm" in first and "page=2" in first

    second = _text(
        staff_client.get(reverse("console:chronicle"), {"world": town.world.pk, "kind": "gm", "page": 2})
    )
    texts = re.findall(r"Note (\d+)", second)
    assert texts == ["2", "1", "0"]  # the oldest three of the 53 "gm" notes


def test_timeline_runs_a_fixed_number_of_queries(staff_client, town, flood, django_assert_max_num_queries):
    spike = flood[2]
    for i in range(30):  # many entries, each with causes: still no query per entry
        chronicle_record(world=town.world, tick=70 + i, kind="economy", text=f"Spike {i}", causes=[spike])
    staff_client.get(reverse("console:chronicle"), {"world": town.world.pk})  # session settles
    with django_assert_max_num_queries(9):
        response = staff_client.get(reverse("console:chronicle"), {"world": town.world.pk})
    assert len(_entry_ids(_text(response))) == 35


# --- why --------------------------------------------------------------------------------------


def test_why_view_of_a_price_spike_shows_the_flood_behind_it(staff_client, town, flood):
    event, impact, spike = flood

    response = staff_client.get(reverse("console:chronicle_why", args=[spike.pk]))

    assert response.status_code == 200
    html = _text(response)
    assert _why_rows(html) == [(spike.pk, 0), (impact.pk, 1), (event.pk, 2)]
    assert html.index("Bread at Brindlemoor rose from 2 to 4 cp") < html.index("The flood reached Orm Vale")
    assert html.index("The flood reached Orm Vale") < html.index("The Orm burst its banks at Brindlemoor")
    assert "2 earlier entries over 2 levels led here" in html
    assert "T63" in html and "T65" in html
    # its recorded data, and no effects of its own
    assert '<th>item</th><td class="num">bread</td>' in html
    assert "Nothing recorded follows from it (yet)." in html


def test_why_view_lists_what_an_entry_caused(staff_client, town, flood):
    event, impact, spike = flood
    deaths = chronicle_record(
        world=town.world, tick=63, kind="npc", text="3 people of Orm Vale died in the flood.", causes=[impact]
    )

    html = _text(staff_client.get(reverse("console:chronicle_why", args=[impact.pk])))

    effects = html[html.index('id="why-effects"') :]
    assert _entry_ids(effects) == [deaths.pk, spike.pk]  # oldest first
    assert _why_rows(html) == [(impact.pk, 0), (event.pk, 1)]


def test_why_queries_grow_with_depth_not_with_width(staff_client, town, django_assert_max_num_queries):
    def spike_behind(width: int) -> ChronicleEntry:
        root = chronicle_record(world=town.world, tick=1, kind="gm", text="The GM sent rain.")
        events = [
            chronicle_record(world=town.world, tick=2, kind="event", text=f"Flood {i}", causes=[root])
            for i in range(width)
        ]
        impacts = [
            chronicle_record(world=town.world, tick=3, kind="event", text=f"Impact {i}", causes=events)
            for i in range(width)
        ]
        return chronicle_record(world=town.world, tick=4, kind="economy", text="Spike", causes=impacts)

    narrow, wide = spike_behind(1), spike_behind(12)
    staff_client.get(reverse("console:chronicle_why", args=[narrow.pk]))  # session settles

    counts = []
    for entry in (narrow, wide):
        with CaptureQueriesContext(connection) as ctx:
            response = staff_client.get(reverse("console:chronicle_why", args=[entry.pk]))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # session, user, the entry, worlds; 3 levels + the empty 4th; the effects
    with django_assert_max_num_queries(9):
        staff_client.get(reverse("console:chronicle_why", args=[wide.pk]))

    html = _text(staff_client.get(reverse("console:chronicle_why", args=[wide.pk])))
    rows = _why_rows(html)
    # 12 impacts, each caused by the same 12 floods: a flood is expanded once (showing the GM's
    # rain behind it), and referenced under the other impacts
    assert len(rows) == 1 + 12 + 12 * 12 + 12
    assert sum(1 for _, depth in rows if depth == 3) == 12
    assert html.count("also a cause elsewhere in this chain") == (12 * 12 - 12) + (12 - 1)
    assert html.count("The GM sent rain.") == 12


def test_why_stops_after_eight_levels_and_says_so(town):
    entry = chronicle_record(world=town.world, tick=0, kind="gm", text="Level 12")
    for level in range(11, -1, -1):
        entry = chronicle_record(
            world=town.world, tick=12 - level, kind="gm", text=f"Level {level}", causes=[entry]
        )

    why = world_selectors.chronicle_why(entry=entry)

    assert [row.entry.text for row in why.rows] == [f"Level {i}" for i in range(9)]
    assert [row.depth for row in why.rows] == list(range(9))
    assert why.levels == 8
    assert why.truncated is True
    assert why.cause_count == 8


def test_why_page_tells_the_gm_when_the_chain_goes_further(staff_client, town):
    entry = chronicle_record(world=town.world, tick=0, kind="gm", text="The first cause")
    for i in range(10):
        entry = chronicle_record(world=town.world, tick=i + 1, kind="gm", text=f"Step {i}", causes=[entry])
    html = _text(staff_client.get(reverse("console:chronicle_why", args=[entry.pk])))
    assert 'data-testid="why-truncated"' in html
    assert "The first cause" not in html


def test_why_shows_a_shared_cause_under_its_shortest_path_and_survives_a_loop(town):
    root = chronicle_record(world=town.world, tick=1, kind="gm", text="root")
    middle = chronicle_record(world=town.world, tick=2, kind="gm", text="middle", causes=[root])
    top = chronicle_record(world=town.world, tick=3, kind="gm", text="top", causes=[middle, root])
    root.causes.add(top)  # a loop nothing should record, but must not hang the page

    why = world_selectors.chronicle_why(entry=top)

    shape = [(row.entry.text, row.depth, row.elsewhere) for row in why.rows]
    assert shape == [  # causes oldest first
        ("top", 0, False),
        ("root", 1, False),
        ("top", 2, True),  # the loop: listed, not followed
        ("middle", 1, False),
        ("root", 2, True),  # reached more directly from the top: its causes are listed there
    ]
    assert why.truncated is False


def test_why_of_an_entry_without_causes(staff_client, town):
    entry = ChronicleEntry.objects.get(world=town.world, tick=61)
    html = _text(staff_client.get(reverse("console:chronicle_why", args=[entry.pk])))
    assert "Nothing recorded led to this." in html
    assert _why_rows(html) == [(entry.pk, 0)]


def test_why_of_an_unknown_entry_is_404(staff_client, town):
    assert staff_client.get(reverse("console:chronicle_why", args=[999_999])).status_code == 404


# --- the dashboard's chronicle, and who may look ----------------------------------------------


def test_dashboard_chronicle_entries_link_to_their_why(staff_client, town, flood):
    spike = flood[2]
    for url in (
        reverse("console:dashboard"),
        reverse("console:panel", args=["chronicle"]) + f"?world={town.world.pk}",
        reverse("console:settlement_detail", args=[town.home.pk]),
    ):
        html = _text(staff_client.get(url))
        assert f'href="{reverse("console:chronicle_why", args=[spike.pk])}"' in html, url


def test_nav_links_to_map_events_and_chronicle(staff_client, town):
    html = _text(staff_client.get(reverse("console:chronicle"), {"world": town.world.pk}))
    for name in ("world_map", "event_list"):
        assert f'href="{reverse(f"console:{name}")}"' in html
    assert f'<a href="{reverse("console:chronicle")}" aria-current="page">Chronicle</a>' in html


def test_chronicle_pages_are_for_staff_only(client, town, flood):
    urls = [reverse("console:chronicle"), reverse("console:chronicle_why", args=[flood[2].pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    client.force_login(f.make_user(is_staff=False))
    for url in urls:
        assert client.get(url).status_code == 403
