"""The goods the simulation trades, and what each profession makes from what.

Item codes are those of the catalogue (`import_items`): SRD table rows are slugified
(`wheat`, `ale-mug`), SRD equipment keeps its SRD index (`hammer`), and the few goods
the SRD lacks come from gmconsole itself (`fish`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Goods every market stocks. Order is the console's display order.
MARKET_GOODS: tuple[str, ...] = (
    "bread",
    "wheat",
    "flour",
    "cheese",
    "meat",
    "fish",
    "ale-mug",
    "iron",
    "hammer",
)

# Hunger restored by eating one unit.
# Wheat is the poor man's porridge: what villages without a baker fall back on.
NOURISHMENT: dict[str, int] = {"bread": 30, "cheese": 35, "fish": 30, "meat": 50, "wheat": 20}
FOODS: tuple[str, ...] = tuple(NOURISHMENT)
DRINK = "ale-mug"
TOOL = "hammer"

# Goods gmconsole adds because the SRD has no such row: code -> (name, unit, base price cp).
EXTRA_GOODS: dict[str, tuple[str, str, int]] = {
    "fish": ("Fish", "1 fish", 3),
}


@dataclass(frozen=True)
class Recipe:
    """Per work hour: `inputs` bought at the market are turned into `outputs` sold to it."""

    outputs: dict[str, int]
    inputs: dict[str, int] = field(default_factory=dict)


RECIPES: dict[str, Recipe] = {
    "farmer": Recipe(outputs={"wheat": 6}),
    "herder": Recipe(outputs={"cheese": 1}),
    "hunter": Recipe(outputs={"meat": 1}),
    "fisher": Recipe(outputs={"fish": 3}),
    "miner": Recipe(outputs={"iron": 2}),
    "miller": Recipe(inputs={"wheat": 6}, outputs={"flour": 4}),
    "baker": Recipe(inputs={"flour": 2}, outputs={"bread": 6}),
    "brewer": Recipe(inputs={"wheat": 3}, outputs={"ale-mug": 6}),
    "innkeeper": Recipe(inputs={"wheat": 2}, outputs={"ale-mug": 4}),
    "smith": Recipe(inputs={"iron": 3}, outputs={"hammer": 1}),
}

# Hourly wages (cp) for work that makes no goods, and who pays them.
WAGES_FROM_TREASURY: dict[str, int] = {"guard": 6, "priest": 5, "labourer": 3}
WAGES_FROM_MARKET: dict[str, int] = {"merchant": 5}

# Share of each retail sale that goes to the settlement's treasury as tax (percent).
SALES_TAX_PERCENT = 10
# The market buys from producers at this share of its asking price (percent). With the sales
# tax taken out of the asking price, the merchants keep the difference to pay their own wages.
BID_PERCENT = 80

# Once a day the settlement taxes its people's savings above an allowance; the treasury pays
# guards, priests and labourers, which keeps money circulating instead of piling up in purses.
TAX_HOUR = 6
TAX_ALLOWANCE = 50  # cp each person keeps untaxed
WEALTH_TAX_PERCENT = 10

# Share of its purse an NPC will spend on one meal: the poor eat bread, the rich eat meat.
MEAL_BUDGET_DIVISOR = 10
