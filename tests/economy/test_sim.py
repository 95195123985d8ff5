"""Market maths as pure functions: trades conserve money, prices are damped and bounded."""

import pytest

from economy.goods import RECIPES
from economy.sim import (
    MAX_STEP,
    MarketBook,
    Stock,
    accepts,
    best_food,
    bid_total,
    buy,
    next_price,
    price_bounds,
    sell,
    update_prices,
    wealth_tax,
    work_hour,
)


def book(**stocks) -> MarketBook:
    return MarketBook(
        cash=1000,
        treasury=0,
        stocks={
            code: Stock(quantity=q, price=p, base_price=p, target=t) for code, (q, p, t) in stocks.items()
        },
    )


def test_buying_moves_money_and_goods_and_pays_tax():
    b = book(bread=(10, 20, 10))
    cost = buy(b, "bread", 2, purse=100)
    assert cost == 40
    assert b.stocks["bread"].quantity == 8
    assert b.cash == 1000 + 36 and b.treasury == 4
    assert b.stocks["bread"].demand == 2


def test_buying_what_is_not_there_or_too_dear_fails_but_counts_as_demand():
    b = book(bread=(1, 20, 10))
    assert buy(b, "bread", 2, purse=100) is None
    assert buy(b, "bread", 1, purse=5) is None
    assert b.stocks["bread"].quantity == 1 and b.cash == 1000
    assert b.stocks["bread"].demand == 3


def test_the_market_buys_below_its_price_and_refuses_a_glut():
    b = book(wheat=(0, 10, 10))
    assert bid_total(10, 3) == 24  # 80% of the asking price
    assert accepts(b, "wheat", 3)
    assert sell(b, "wheat", 3) == 24
    assert b.cash == 976 and b.stocks["wheat"].quantity == 3 and b.stocks["wheat"].supply == 3
    b.stocks["wheat"].quantity = 29
    assert not accepts(b, "wheat", 3)  # 32 > 3 × target


def test_a_miller_turns_wheat_into_flour_all_or_nothing():
    b = book(wheat=(10, 1, 10), flour=(0, 2, 10))
    money_before = b.money() + 50
    outcome = work_hour(b, RECIPES["miller"], purse=50)
    assert outcome.reason == "" and outcome.produced == {"flour": 4} and outcome.consumed == {"wheat": 6}
    assert b.stocks["wheat"].quantity == 4 and b.stocks["flour"].quantity == 4
    assert b.money() + 50 + outcome.purse_delta == money_before  # money only changed hands


def test_no_wheat_no_flour_and_the_shortage_is_felt():
    b = book(wheat=(2, 1, 10), flour=(0, 2, 10))
    outcome = work_hour(b, RECIPES["miller"], purse=50)
    assert outcome.reason == "no-input" and outcome.purse_delta == 0
    assert b.stocks["wheat"].quantity == 2 and b.stocks["wheat"].demand == 6
    assert b.stocks["flour"].quantity == 0


def test_the_poor_eat_bread_and_the_rich_eat_meat():
    b = book(bread=(5, 2, 10), meat=(5, 30, 10), cheese=(0, 1, 10), fish=(5, 3, 10))
    assert best_food(b, purse=3) == "bread"  # budget 0: the cheapest affordable
    assert best_food(b, purse=50) == "bread"  # budget 5: bread and fish nourish alike, bread is cheaper
    assert best_food(b, purse=300) == "meat"  # budget 30
    assert best_food(b, purse=1) is None  # nothing affordable; cheese is out of stock


def test_wealth_tax_spares_the_allowance():
    assert wealth_tax(40) == 0
    assert wealth_tax(150) == 10


@pytest.mark.parametrize(
    ("demand", "supply", "quantity", "expected"),
    [(10, 0, 0, 108), (0, 10, 300, 92), (5, 5, 100, 100), (0, 0, 100, 100)],
)
def test_prices_follow_demand_supply_and_stock_within_one_damped_step(demand, supply, quantity, expected):
    assert (
        next_price(price=100, base_price=100, demand=demand, supply=supply, quantity=quantity, target=100)
        == expected
    )


def test_cheap_goods_still_move_by_a_copper_under_strong_pressure():
    assert next_price(price=2, base_price=2, demand=10, supply=0, quantity=0, target=10) == 3
    assert next_price(price=2, base_price=2, demand=1, supply=1, quantity=10, target=10) == 2


def test_prices_stay_within_bounds_and_never_reach_zero():
    low, high = price_bounds(100)
    assert (low, high) == (25, 400)
    assert next_price(price=400, base_price=100, demand=99, supply=0, quantity=0, target=10) == 400
    assert next_price(price=25, base_price=100, demand=0, supply=99, quantity=999, target=10) == 25
    assert next_price(price=1, base_price=1, demand=0, supply=99, quantity=999, target=1) == 1
    price = 100
    for _ in range(200):  # a long glut
        price = next_price(price=price, base_price=100, demand=0, supply=50, quantity=500, target=10)
        assert price >= 25
    assert price == 25


def test_one_update_never_moves_more_than_the_damped_step():
    b = book(iron=(0, 1000, 100))
    b.stocks["iron"].demand = 1000
    update_prices(b)
    assert b.stocks["iron"].prev_price == 1000
    assert b.stocks["iron"].price == round(1000 * (1 + MAX_STEP))
