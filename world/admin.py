"""Admin for the world: map data is editable; tick bookkeeping is read-only."""

from django.contrib import admin

from world.events import services as event_services
from world.models import (
    ChronicleEntry,
    EventImpact,
    Faction,
    FactionRelation,
    Region,
    Route,
    Rumour,
    RumourHearing,
    Settlement,
    ShardRun,
    TickRun,
    World,
    WorldEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows the engine writes (runs, markers): look, filter, delete a stuck one; never edit."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(World)
class WorldAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "current_tick",
        "game_day",
        "game_hour",
        "hours_per_tick",
        "ticks_skipped",
        "created_at",
    )
    search_fields = ("name", "slug", "seed")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("source_sha256", "source_version", "ticks_skipped", "last_skipped_at", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "era", "start_year", "people_per_npc")}),
        ("Clock", {"fields": ("current_tick", "hours_per_tick", "ticks_skipped", "last_skipped_at")}),
        (
            "Imported map",
            {
                "fields": (
                    "source_file",
                    "source_sha256",
                    "source_version",
                    "seed",
                    "width",
                    "height",
                    "distance_scale",
                )
            },
        ),
        (None, {"fields": ("created_at",)}),
    )


@admin.register(Faction)
class FactionAdmin(admin.ModelAdmin):
    list_display = ("name", "world", "form", "is_neutral", "treasury")
    list_filter = ("world", "is_neutral", "form")
    search_fields = ("name", "full_name")
    list_select_related = ("world",)


@admin.register(FactionRelation)
class FactionRelationAdmin(admin.ModelAdmin):
    list_display = ("faction", "stance", "other", "world")
    list_filter = ("world", "stance")
    search_fields = ("faction__name", "other__name")
    list_select_related = ("faction", "other", "world")
    autocomplete_fields = ("faction", "other")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "faction", "world")
    list_filter = ("world", "kind")
    search_fields = ("name", "full_name", "faction__name")
    list_select_related = ("faction", "world")
    autocomplete_fields = ("faction",)


@admin.register(Settlement)
class SettlementAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "region",
        "faction",
        "population",
        "is_capital",
        "is_port",
        "has_walls",
        "treasury",
    )
    list_filter = ("world", "is_capital", "is_port", "has_walls", "has_citadel", "has_temple", "kind")
    search_fields = ("name", "culture", "region__name", "faction__name")
    list_select_related = ("region", "faction")
    autocomplete_fields = ("region", "faction")


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "distance_km", "world")
    list_filter = ("world", "kind")
    search_fields = ("a__name", "b__name")
    list_select_related = ("a", "b", "world")
    autocomplete_fields = ("a", "b")
    exclude = ("cells",)  # hundreds of map cells: noise in a form


@admin.register(ChronicleEntry)
class ChronicleEntryAdmin(admin.ModelAdmin):
    list_display = ("tick", "kind", "short_text", "settlement", "world", "created_at")
    list_filter = ("world", "kind")
    search_fields = ("text",)
    list_select_related = ("settlement", "world")
    raw_id_fields = ("settlement", "region", "causes")
    readonly_fields = ("created_at",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description="text")
    def short_text(self, obj: ChronicleEntry) -> str:
        return obj.text if len(obj.text) <= 100 else obj.text[:99] + "…"


@admin.register(TickRun)
class TickRunAdmin(ReadOnlyAdmin):
    list_display = (
        "tick",
        "world",
        "status",
        "trigger",
        "shards_done",
        "shards_total",
        "npc_updates",
        "duration_ms",
        "started_at",
        "finished_at",
    )
    list_filter = ("world", "status", "trigger")
    search_fields = ("=tick", "error")
    list_select_related = ("world",)
    date_hierarchy = "started_at"
    show_full_result_count = False


@admin.register(ShardRun)
class ShardRunAdmin(ReadOnlyAdmin):
    list_display = ("tick", "shard", "world", "npc_updates", "duration_ms", "created_at")
    list_filter = ("world",)
    search_fields = ("=tick", "shard")
    list_select_related = ("world",)
    show_full_result_count = False


class EventImpactInline(admin.TabularInline):
    model = EventImpact
    extra = 0
    can_delete = False
    fields = ("region", "hops", "intensity", "status", "attempts", "error", "applied_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorldEvent)
class WorldEventAdmin(admin.ModelAdmin):
    """Designers may add an event here with a start time: saving it makes a one-off clocked schedule."""

    list_display = (
        "title",
        "kind",
        "world",
        "severity",
        "status",
        "origin",
        "started_tick",
        "ends_tick",
        "starts_at",
    )
    list_filter = ("world", "kind", "status", "origin")
    search_fields = ("title", "description")
    raw_id_fields = ("settlement", "region", "aggressor", "defender", "quest", "chronicle_entry")
    readonly_fields = (
        "status",
        "started_tick",
        "ends_tick",
        "summary",
        "error",
        "chronicle_entry",
        "started_at",
        "applied_at",
        "ended_at",
        "created_at",
    )
    inlines = [EventImpactInline]
    actions = ["start_now", "retry_failed", "end_now"]

    def save_model(self, request, obj, form, change) -> None:
        if not obj.created_by:
            obj.created_by = request.user.get_username()
        super().save_model(request, obj, form, change)
        if obj.status == WorldEvent.Status.PENDING and obj.starts_at is not None:
            event_services.event_clock(event=obj)
            self.message_user(request, f"“{obj}” will start at {obj.starts_at:%Y-%m-%d %H:%M}.")

    @admin.action(description="Start the selected pending events now")
    def start_now(self, request, queryset) -> None:
        started = 0
        for event in queryset.filter(status=WorldEvent.Status.PENDING):
            event.starts_at = None
            event_services.event_start_dispatch(event=event)
            started += 1
        self.message_user(request, f"{started} event(s) sent to the workers.")

    @admin.action(description="End the selected events now (cancel the pending ones)")
    def end_now(self, request, queryset) -> None:
        done = 0
        for event in queryset:
            try:
                event_services.event_end(event=event, who=request.user.get_username())
                done += 1
            except event_services.EventError:
                continue  # already over
        self.message_user(request, f"{done} event(s) ended or cancelled.")

    @admin.action(description="Retry the failed regions of the selected events")
    def retry_failed(self, request, queryset) -> None:
        sent = sum(1 for event in queryset if event_services.event_retry(event=event))
        self.message_user(request, f"{sent} event(s) retried.")


@admin.register(Rumour)
class RumourAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "world", "status", "started_tick", "heard_count", "settlements_reached")
    list_filter = ("world", "status")
    raw_id_fields = ("event", "origin_settlement", "source_npc", "chronicle_entry")


@admin.register(EventImpact)
class EventImpactAdmin(ReadOnlyAdmin):
    list_display = ("event", "region", "hops", "intensity", "status", "attempts", "applied_at")
    list_filter = ("status", "event__kind")
    raw_id_fields = ("event", "region", "chronicle_entry")


@admin.register(RumourHearing)
class RumourHearingAdmin(ReadOnlyAdmin):
    list_display = ("rumour", "npc", "settlement", "heard_tick", "hops", "belief", "is_spreading")
    list_filter = ("is_spreading",)
    raw_id_fields = ("rumour", "npc", "settlement", "heard_from")
