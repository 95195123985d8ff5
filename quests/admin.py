"""Admin for quests: hooks and their quests, objectives inline, the review log read-only."""

from django.contrib import admin

from quests.models import (
    Quest,
    QuestAssignment,
    QuestHook,
    QuestObjective,
    QuestProgress,
    QuestReport,
    QuestReviewLog,
)


@admin.register(QuestHook)
class QuestHookAdmin(admin.ModelAdmin):
    list_display = (
        "summary",
        "kind",
        "motivation",
        "status",
        "severity",
        "settlement",
        "item",
        "giver",
        "detected_tick",
        "last_seen_tick",
        "world",
    )
    list_filter = ("world", "status", "kind", "motivation")
    search_fields = ("key", "summary", "settlement__name", "giver__name", "item__code")
    list_select_related = ("settlement", "item", "giver", "world")
    raw_id_fields = (
        "settlement",
        "region",
        "route",
        "item",
        "faction",
        "rival_faction",
        "chronicle_entry",
        "giver",
        "involved",
    )
    readonly_fields = ("created_at", "updated_at")


class QuestObjectiveInline(admin.TabularInline):
    model = QuestObjective
    extra = 0
    fields = (
        "order",
        "key",
        "action",
        "text",
        "settlement",
        "npc",
        "item",
        "route",
        "quantity",
        "requires",
        "status",
        "done_tick",
    )
    raw_id_fields = ("settlement", "npc", "item", "route")


@admin.register(Quest)
class QuestAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "motivation",
        "giver",
        "settlement",
        "reward_cp",
        "escrow_cp",
        "is_valid",
        "narrator",
        "attempts",
        "created_at",
        "world",
    )
    list_filter = ("world", "status", "is_valid", "motivation", "narrator")
    search_fields = ("title", "pitch", "generation_key", "giver__name", "settlement__name")
    list_select_related = ("giver", "settlement", "world")
    raw_id_fields = ("hook", "giver", "settlement", "reviewed_by")
    # Money moves only through the escrow services, never by hand.
    readonly_fields = ("escrow_cp", "generation_key", "created_at", "updated_at")
    inlines = [QuestObjectiveInline]


@admin.register(QuestObjective)
class QuestObjectiveAdmin(admin.ModelAdmin):
    list_display = ("key", "quest", "action", "status", "settlement", "npc", "item", "quantity", "done_tick")
    list_filter = ("action", "status", "quest__world")
    search_fields = ("key", "text", "quest__title")
    list_select_related = ("quest", "settlement", "npc", "item")
    raw_id_fields = ("quest", "settlement", "npc", "item", "route")


@admin.register(QuestReviewLog)
class QuestReviewLogAdmin(admin.ModelAdmin):
    """Who did what: an audit trail, so it is never edited."""

    list_display = ("created_at", "quest", "action", "user", "note")
    list_filter = ("action", "quest__world")
    search_fields = ("quest__title", "note", "user__username")
    list_select_related = ("quest", "user")
    raw_id_fields = ("quest", "user")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QuestAssignment)
class QuestAssignmentAdmin(admin.ModelAdmin):
    list_display = ("quest", "character", "status", "accepted_at", "completed_at", "closed_reason")
    list_filter = ("status", "quest__world")
    search_fields = ("quest__title", "character__name")
    list_select_related = ("quest", "character")
    raw_id_fields = ("quest", "character")


@admin.register(QuestProgress)
class QuestProgressAdmin(admin.ModelAdmin):
    list_display = ("assignment", "objective", "source", "tick", "created_at")
    list_filter = ("source", "assignment__quest__world")
    search_fields = ("assignment__quest__title", "assignment__character__name", "objective__key")
    list_select_related = ("assignment", "objective")
    raw_id_fields = ("assignment", "objective", "report")


@admin.register(QuestReport)
class QuestReportAdmin(admin.ModelAdmin):
    """Players' reports by Idempotency-Key: what each did, and the task that applied it."""

    list_display = ("key", "assignment", "task_id", "tick", "processed_at", "created_at")
    list_filter = ("assignment__quest__world",)
    search_fields = ("key", "task_id", "assignment__quest__title", "assignment__character__name")
    list_select_related = ("assignment",)
    raw_id_fields = ("assignment",)
