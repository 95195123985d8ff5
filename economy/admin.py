"""Admin for the economy: the catalogue and markets are editable; price history is read-only."""

from django.contrib import admin

from economy.models import Item, Market, MarketStock, PricePoint


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "category", "unit", "base_price", "is_food", "nourishment", "source")
    list_filter = ("source", "is_food", "category")
    search_fields = ("name", "code", "category")


class MarketStockInline(admin.TabularInline):
    model = MarketStock
    extra = 0
    fields = ("item", "quantity", "target", "price", "prev_price", "demand", "supply")
    readonly_fields = ("prev_price", "demand", "supply")
    autocomplete_fields = ("item",)


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ("__str__", "region", "cash", "world")
    list_filter = ("world",)
    search_fields = ("settlement__name", "region__name")
    list_select_related = ("settlement", "region", "world")
    autocomplete_fields = ("settlement", "region")
    inlines = (MarketStockInline,)


@admin.register(MarketStock)
class MarketStockAdmin(admin.ModelAdmin):
    list_display = ("item", "market", "price", "prev_price", "quantity", "target", "demand", "supply")
    list_filter = ("market__world", "item")
    search_fields = ("item__name", "item__code", "market__settlement__name")
    list_select_related = ("item", "market__settlement")
    autocomplete_fields = ("item", "market")
    readonly_fields = ("prev_price", "demand", "supply")
    show_full_result_count = False


@admin.register(PricePoint)
class PricePointAdmin(admin.ModelAdmin):
    list_display = ("tick", "item", "price", "quantity", "world")
    list_filter = ("world", "item")
    search_fields = ("item__name", "item__code", "=tick")
    list_select_related = ("item", "world")
    show_full_result_count = False

    # Written by the tick once per (world, item, tick): a history, not a setting.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
