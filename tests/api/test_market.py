"""GET /settlements/{id}/market: prices, trends and stock."""

import pytest

from economy.api import NO_MARKET, price_trend
from tests.factories import make_item, make_market, make_region, make_settlement, make_world
from world.api import SETTLEMENT_NOT_FOUND

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("price", "prev_price", "trend"), [(5, 4, "up"), (3, 4, "down"), (4, 4, "flat")])
def test_price_trend(price, prev_price, trend):
    assert price_trend(price=price, prev_price=prev_price) == trend


def test_market_lists_prices_trends_and_quantities_in_display_order(client, player):
    world = player.world
    world.current_tick = 12
    world.save(update_fields=["current_tick"])
    bread = make_item(code="bread", name="Bread", unit="1 loaf", base_price=2)
    wheat = make_item(code="wheat", name="Wheat", unit="1 lb", base_price=1)
    hammer = make_item(code="hammer", name="Hammer", unit="1", base_price=100)
    market = make_market(settlement=player.town, stocks={hammer: (4, 90), wheat: (300, 1), bread: (120, 3)})
    market.stocks.filter(item=bread).update(prev_price=2)
    market.stocks.filter(item=hammer).update(prev_price=100)

    response = client.get(f"/api/v1/settlements/{player.town.pk}/market", **player.headers)

    assert response.status_code == 200
    assert response.json() == {
        "settlement": {"id": player.town.pk, "name": "Brightwater"},
        "tick": 12,
        "items": [
            {
                "code": "bread",
                "name": "Bread",
                "unit": "1 loaf",
                "price": 3,
                "prev_price": 2,
                "trend": "up",
                "quantity": 120,
            },
            {
                "code": "wheat",
                "name": "Wheat",
                "unit": "1 lb",
                "price": 1,
                "prev_price": 1,
                "trend": "flat",
                "quantity": 300,
            },
            {
                "code": "hammer",
                "name": "Hammer",
                "unit": "1",
                "price": 90,
                "prev_price": 100,
                "trend": "down",
                "quantity": 4,
            },
        ],
    }


def test_market_query_count_does_not_grow_with_goods(client, player, django_assert_max_num_queries):
    items = {make_item(code=f"good-{n}"): (n, 5) for n in range(12)}
    make_market(settlement=player.town, stocks=items)

    with django_assert_max_num_queries(5):
        response = client.get(f"/api/v1/settlements/{player.town.pk}/market", **player.headers)

    assert len(response.json()["items"]) == 12


def test_settlement_without_market_is_404(client, player):
    response = client.get(f"/api/v1/settlements/{player.town.pk}/market", **player.headers)

    assert response.status_code == 404
    assert response.json() == {"detail": NO_MARKET}


def test_market_of_another_world_is_404(client, player):
    foreign = make_settlement(region=make_region(world=make_world()))
    make_market(settlement=foreign, stocks={make_item(code="bread"): (1, 2)})

    response = client.get(f"/api/v1/settlements/{foreign.pk}/market", **player.headers)

    assert response.status_code == 404
    assert response.json() == {"detail": SETTLEMENT_NOT_FOUND}
