"""Pure market maths: trades against a market's book and the price update. No ORM here.

Every trade moves money between two holders (an NPC's purse, the market's cash, the
settlement's treasury) and goods between the market and an NPC, so money is conserved;
goods appear only through production and disappear only when eaten or worn out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .goods import (
    BID_PERCENT,
    MEAL_BUDGET_DIVISOR,
    NOURISHMENT,
    SALES_TAX_PERCENT,
    TAX_ALLOWANCE,
    WEALTH_TAX_PERCENT,
    Recipe,
)

# Price bounds relative to the base price, and the largest move of one update.
PRICE_FLOOR_RATIO = 0.25
PRICE_CEILING_RATIO = 4.0
MAX_STEP = 0.08  # at most 8% per tick: prices are damped
FLOW_WEIGHT = 0.6  # share of the pressure coming from last tick's demand vs supply
STOCK_WEIGHT = 0.4  # share coming from stock on hand vs the merchants' target
GLUT_FACTOR = 3  # merchants stop buying a good once they hold this many times their target


@dataclass(slots=True)
class Stock:
    quantity: int
    price: int
    base_price: int
    target: int
    demand: int = 0
    supply: int = 0
    prev_price: int = 0


@dataclass(slots=True)
class MarketBook:
    """A settlement's market and treasury, as one shard sees them during a tick."""

    cash: int
    treasury: int
    stocks: dict[str, Stock] = field(default_factory=dict)

    def money(self) -> int:
        return self.cash + self.treasury


def bid_total(price: int, quantity: int) -> int:
    """What the market pays a producer for `quantity` units (it buys below its asking price)."""
    return max(1, price * quantity * BID_PERCENT // 100)


def can_sell(book: MarketBook, code: str, quantity: int) -> bool:
    stock = book.stocks.get(code)
    return stock is not None and stock.quantity >= quantity


def buy(book: MarketBook, code: str, quantity: int, purse: int) -> int | None:
    """An NPC buys at the asking price. Returns the cost, or None (demand is counted either way)."""
    stock = book.stocks.get(code)
    if stock is None:
        return None
    stock.demand += quantity
    cost = stock.price * quantity
    if stock.quantity < quantity or purse < cost:
        return None
    tax = cost * SALES_TAX_PERCENT // 100
    stock.quantity -= quantity
    book.cash += cost - tax
    book.treasury += tax
    return cost


def accepts(book: MarketBook, code: str, quantity: int, extra_cash: int = 0) -> bool:
    """Whether the merchants would buy these goods now (room for them, and money to pay)."""
    stock = book.stocks.get(code)
    if stock is None:
        return False
    if stock.quantity + quantity > max(stock.target, 1) * GLUT_FACTOR:
        return False
    return book.cash + extra_cash >= bid_total(stock.price, quantity)


def sell(book: MarketBook, code: str, quantity: int) -> int:
    """A producer sells to the market (call `accepts` first). Returns the money paid."""
    stock = book.stocks[code]
    paid = bid_total(stock.price, quantity)
    stock.supply += quantity
    stock.quantity += quantity
    book.cash -= paid
    return paid


@dataclass(frozen=True, slots=True)
class WorkOutcome:
    purse_delta: int
    produced: dict[str, int]
    consumed: dict[str, int]
    reason: str = ""  # why nothing was made: "no-input", "no-buyer"


def work_hour(book: MarketBook, recipe: Recipe, purse: int) -> WorkOutcome:
    """One hour of production: buy the inputs, make the outputs, sell them to the market.

    All or nothing: the producer checks that the inputs are on sale and affordable and that
    the market will take the outputs before anything changes hands. Failed attempts still
    count as demand (inputs) and supply (outputs), so prices feel the shortage or the glut.
    """
    input_cost = 0
    for code, quantity in recipe.inputs.items():
        stock = book.stocks.get(code)
        if stock is None:
            return WorkOutcome(0, {}, {}, "no-input")
        input_cost += stock.price * quantity
    inputs_ok = all(can_sell(book, c, q) for c, q in recipe.inputs.items()) and purse >= input_cost
    tax = input_cost * SALES_TAX_PERCENT // 100
    outputs_ok = all(accepts(book, c, q, extra_cash=input_cost - tax) for c, q in recipe.outputs.items())
    if not inputs_ok:  # a shortage: the wish to buy still raises the input's price
        for code, quantity in recipe.inputs.items():
            book.stocks[code].demand += quantity
        return WorkOutcome(0, {}, {}, "no-input")
    if not outputs_ok:  # a glut: the goods were offered and refused, which lowers their price
        for code, quantity in recipe.outputs.items():
            if code in book.stocks:
                book.stocks[code].supply += quantity
        return WorkOutcome(0, {}, {}, "no-buyer")
    spent = 0
    for code, quantity in recipe.inputs.items():
        spent += buy(book, code, quantity, purse - spent)  # type: ignore[operator]  # checked above
    earned = sum(sell(book, code, quantity) for code, quantity in recipe.outputs.items())
    return WorkOutcome(earned - spent, dict(recipe.outputs), dict(recipe.inputs))


def best_food(book: MarketBook, purse: int) -> str | None:
    """The most nourishing food in stock within the NPC's meal budget (else the cheapest it can afford).

    The budget is a share of the purse, so the poor eat bread and the rich eat meat, and
    savings flow back to the market instead of piling up.
    """
    on_sale = [
        (code, nourishment, book.stocks[code].price)
        for code, nourishment in NOURISHMENT.items()
        if code in book.stocks and book.stocks[code].quantity >= 1 and book.stocks[code].price <= purse
    ]
    if not on_sale:
        return None
    budget = purse // MEAL_BUDGET_DIVISOR
    within = [item for item in on_sale if item[2] <= budget]
    if within:
        return max(within, key=lambda item: (item[1], -item[2]))[0]
    return min(on_sale, key=lambda item: (item[2], -item[1]))[0]


def price_bounds(base_price: int) -> tuple[int, int]:
    return max(1, round(base_price * PRICE_FLOOR_RATIO)), max(1, round(base_price * PRICE_CEILING_RATIO))


def price_pressure(*, demand: int, supply: int, quantity: int, target: int) -> float:
    """-1..1: positive when buyers outnumber sellers and shelves run empty."""
    flow = (demand - supply) / max(1, demand + supply)
    stock = 0.0
    if target > 0:
        stock = max(-1.0, min(1.0, (target - quantity) / target))
    return FLOW_WEIGHT * flow + STOCK_WEIGHT * stock


def next_price(*, price: int, base_price: int, demand: int, supply: int, quantity: int, target: int) -> int:
    """The price after one tick: damped (at most MAX_STEP), bounded, an integer ≥ 1.

    Copper prices are coarse: a 2 cp loaf can't rise by 8%. A strong pressure therefore
    moves a cheap good by at least one copper piece, a weak one leaves it alone.
    """
    pressure = price_pressure(demand=demand, supply=supply, quantity=quantity, target=target)
    raw = price * (1 + MAX_STEP * pressure)
    new = round(raw)
    if new == price and abs(pressure) >= 0.25:
        new = price + (1 if pressure > 0 else -1)
    low, high = price_bounds(base_price)
    return max(low, min(high, new))


def update_prices(book: MarketBook) -> None:
    for stock in book.stocks.values():
        stock.prev_price = stock.price
        stock.price = next_price(
            price=stock.price,
            base_price=stock.base_price,
            demand=stock.demand,
            supply=stock.supply,
            quantity=stock.quantity,
            target=stock.target,
        )


def wealth_tax(purse: int) -> int:
    """The daily tax on savings above the allowance."""
    return max(0, (purse - TAX_ALLOWANCE) * WEALTH_TAX_PERCENT // 100)
