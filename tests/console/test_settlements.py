"""Settlement list (search, filters) and settlement page (people, market, history, neighbours)."""

import re

import pytest
from django.urls import reverse

from npcs.models import Activity
from tests import factories as f
from world.models import ChronicleEntry

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_list_searches_by_name_and_filters_by_region_and_faction(staff_client, town):
    # given a third settlement in another region of another faction
    faction = f.make_faction(world=town.world, name="Free Marches")
    region = f.make_region(world=town.world, faction=faction, name="Marsh Reach")
    f.make_settlement(region=region, name="Bramblewick", population=300)

    by_name = _text(staff_client.get(reverse("console:settlement_list"), {"q": "bram"}))
    by_region = _text(staff_client.get(reverse("console:settlement_list"), {"region": region.pk}))
    by_faction = _text(
        staff_client.get(reverse("console:settlement_list"), {"faction": town.home.faction_id})
    )

    assert "Bramblewick" in by_name and "Brindlemoor" not in by_name and "Cask Hollow" not in by_name
    assert "1 settlement matching “bram”" in by_name
    assert "Bramblewick" in by_region and "Brindlemoor" not in by_region
    assert "Brindlemoor" in by_faction and "Cask Hollow" in by_faction and "Bramblewick" not in by_faction


def test_list_answers_htmx_search_with_the_results_fragment_only(staff_client, town):
    response = staff_client.get(
        reverse("console:settlement_list"), {"q": "cask"}, headers={"HX-Request": "true"}
    )

    html = _text(response)
    assert html.strip().startswith('<section class="card" id="settlement-results">')
    assert "Cask Hollow" in html and "Brindlemoor" not in html


def test_list_shows_population_and_living_npcs(staff_client, town):
    f.make_npc(settlement=town.home)
    f.make_npc(settlement=town.home)
    f.make_npc(settlement=town.home, is_alive=False)

    html = _text(staff_client.get(reverse("console:settlement_list")))

    row = re.search(r"Brindlemoor</a>.*?</tr>", html).group(0)
    assert '<td class="r num">4,200</td>' in row
    assert '<td class="r num">2</td>' in row
    assert "port" in row and "walls" in row


def test_settlement_page_shows_its_people_with_needs_market_history_and_neighbours(staff_client, town):
    # given two NPCs here and one elsewhere
    f.make_npc(
        settlement=town.home,
        name="Ada Fenwick",
        profession="baker",
        hunger=17,
        rest=64,
        social=88,
        safety=51,
        activity=Activity.WORK,
        purse=1234,
    )
    f.make_npc(settlement=town.home, name="Bram Tull", activity=Activity.SLEEP)
    f.make_npc(settlement=town.other, name="Outsider Olm")

    response = staff_client.get(reverse("console:settlement_detail", args=[town.home.pk]))

    html = _text(response)
    # header facts
    assert "<h1>Brindlemoor" in html
    assert "Orm Vale" in html and "Kingdom of Orm" in html
    assert '<dd class="num">4,200</dd>' in html
    # its own NPCs only, with need values, activity, profession and purse
    assert "Ada Fenwick" in html and "Bram Tull" in html
    assert "Outsider Olm" not in html
    ada = re.search(r"Ada Fenwick.*?</tr>", html).group(0)
    assert "Baker, 30" in ada
    assert 'act-work">work<' in ada
    assert 'title="hunger: 17/100"' in ada and "need-low" in ada
    assert 'title="rest: 64/100"' in ada
    assert 'title="social: 88/100"' in ada
    assert 'title="safety: 51/100"' in ada
    assert "12 gp 3 sp 4 cp" in ada
    # market: prices with the trend against the previous price, stock vs target, demand/supply
    bread = re.search(r'data-item="bread">.*?</tr>', html).group(0)
    assert "3 cp" in bread and "trend-up" in bread and "was 2 cp" in bread
    assert '40</span><span class="muted"> / 80' in bread
    assert "25 · 9" in bread
    iron = re.search(r'data-item="iron">.*?</tr>', html).group(0)
    assert "11 cp" in iron and "trend-down" in iron
    # history: only this settlement's chronicle
    assert "A fire broke out in the tannery of Brindlemoor." in html
    assert "Cask Hollow ran out of ale." not in html
    # neighbours by route
    assert re.search(r"Cask Hollow</a>.*?road.*?37.4 km", html)


def test_settlement_npc_and_market_panels_poll_with_htmx(staff_client, town):
    f.make_npc(settlement=town.home)
    html = _text(staff_client.get(reverse("console:settlement_detail", args=[town.home.pk])))

    npcs_url = reverse("console:settlement_npcs", args=[town.home.pk])
    market_url = reverse("console:settlement_market", args=[town.home.pk])
    assert f'hx-get="{npcs_url}?page=1" hx-trigger="every 3s"' in html
    assert f'hx-get="{market_url}" hx-trigger="every 3s"' in html


def test_npc_panel_pages_through_many_npcs(staff_client, town):
    for i in range(65):
        f.make_npc(settlement=town.home, name=f"Villager {i:03d}")

    page3 = _text(staff_client.get(reverse("console:settlement_npcs", args=[town.home.pk]), {"page": 3}))

    assert "Page 3 of 3" in page3
    assert "Villager 060" in page3 and "Villager 064" in page3
    assert "Villager 059" not in page3


def test_settlement_page_query_count_is_bounded_with_many_npcs(
    staff_client, town, django_assert_max_num_queries
):
    for i in range(400):
        f.make_npc(settlement=town.home, activity=Activity.values[i % 5], hunger=i % 100)
    for i in range(40):
        ChronicleEntry.objects.create(
            world=town.world, tick=i, kind="npc", settlement=town.home, text=f"Event {i}"
        )

    with django_assert_max_num_queries(13):
        response = staff_client.get(reverse("console:settlement_detail", args=[town.home.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(7):
        staff_client.get(reverse("console:settlement_npcs", args=[town.home.pk]), {"page": 5})


def test_settlement_list_query_count_is_bounded(staff_client, town, django_assert_max_num_queries):
    for i in range(80):
        settlement = f.make_settlement(region=town.home.region, name=f"Hamlet {i}")
        f.make_npc(settlement=settlement)

    with django_assert_max_num_queries(10):
        response = staff_client.get(reverse("console:settlement_list"))
    assert response.status_code == 200
