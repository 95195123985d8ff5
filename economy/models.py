"""Items with real prices, a market per settlement, and price history."""

from django.db import models
from django.db.models import Q


class Item(models.Model):
    """A thing that can be owned or traded. Prices are integers in copper pieces."""

    class Source(models.TextChoices):
        SRD_EQUIPMENT = "srd-equipment", "SRD 5.1 equipment"
        SRD_TABLE = "srd-table", "SRD 5.1 trade goods / food / services"
        GMCONSOLE = "gmconsole", "gmconsole (not in the SRD)"

    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=80, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    base_price = models.PositiveIntegerField(help_text="Copper pieces per unit")
    weight = models.FloatField(null=True, blank=True, help_text="Pounds")
    source = models.CharField(max_length=20, choices=Source.choices)
    is_food = models.BooleanField(default=False)
    nourishment = models.PositiveSmallIntegerField(default=0, help_text="Hunger restored by one unit")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(base_price__gte=1), name="item_base_price_positive")
        ]

    def __str__(self) -> str:
        return self.name


class Market(models.Model):
    """The market of one settlement. `cash` is the merchants' pooled money."""

    world = models.ForeignKey("world.World", on_delete=models.CASCADE, related_name="markets")
    settlement = models.OneToOneField("world.Settlement", on_delete=models.CASCADE, related_name="market")
    # Denormalised from the settlement: the tick shards by region.
    region = models.ForeignKey("world.Region", on_delete=models.CASCADE, related_name="markets")
    cash = models.BigIntegerField(default=0, help_text="Copper pieces")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(cash__gte=0), name="market_cash_non_negative")]

    def __str__(self) -> str:
        return f"Market of {self.settlement}"


class MarketStock(models.Model):
    """One good at one market: stock on hand, current price and last tick's flows."""

    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="stocks")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="stocks")
    quantity = models.PositiveIntegerField(default=0)
    price = models.PositiveIntegerField(help_text="Copper pieces; never below 1")
    prev_price = models.PositiveIntegerField(help_text="Price before the last update")
    demand = models.PositiveIntegerField(default=0, help_text="Units asked for last tick (met or not)")
    supply = models.PositiveIntegerField(default=0, help_text="Units offered last tick")
    target = models.PositiveIntegerField(default=0, help_text="Stock the merchants like to hold")

    class Meta:
        ordering = ["market", "item"]
        constraints = [
            models.UniqueConstraint(fields=["market", "item"], name="market_stock_unique"),
            models.CheckConstraint(condition=Q(price__gte=1), name="market_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item} at {self.market}: {self.quantity} @ {self.price} cp"


class PricePoint(models.Model):
    """World-wide average price of an item at a tick: the trend the console draws."""

    world = models.ForeignKey("world.World", on_delete=models.CASCADE, related_name="price_points")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="price_points")
    tick = models.PositiveIntegerField()
    price = models.FloatField()
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-tick"]
        constraints = [models.UniqueConstraint(fields=["world", "item", "tick"], name="price_point_unique")]

    def __str__(self) -> str:
        return f"{self.item} at tick {self.tick}: {self.price:.1f} cp"
