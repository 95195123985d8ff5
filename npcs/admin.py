"""Admin for people. There are ~10k NPCs: lookups by autocomplete, no full counts."""

from django.contrib import admin

from npcs.models import Npc, PlayerCharacter


@admin.register(Npc)
class NpcAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "profession",
        "settlement",
        "activity",
        "hunger",
        "rest",
        "social",
        "safety",
        "purse",
        "is_alive",
    )
    list_filter = ("world", "is_alive", "activity", "profession")
    search_fields = ("name", "settlement__name")
    list_select_related = ("settlement",)
    autocomplete_fields = ("settlement", "region")
    readonly_fields = ("last_tick",)
    list_per_page = 50
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("world", "name", "age", "profession", "settlement", "region", "is_alive")}),
        ("Needs (100 = fully met)", {"fields": (("hunger", "rest", "social", "safety"), "activity")}),
        ("Belongings", {"fields": ("purse", "food")}),
        ("Engine", {"fields": ("last_tick",)}),
    )


@admin.register(PlayerCharacter)
class PlayerCharacterAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "world", "settlement", "purse", "created_at")
    list_filter = ("world",)
    search_fields = ("name", "owner__username", "settlement__name")
    list_select_related = ("owner", "world", "settlement")
    autocomplete_fields = ("settlement",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at",)
