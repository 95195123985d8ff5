"""Admin for shared infrastructure, and the admin site's own titles."""

from django.contrib import admin

from gmconsole.llm.services import llm_budget_set
from gmconsole.models import ApiToken, LLMBudget, LLMCall, PlayerTask
from gmconsole.services import api_token_revoke

admin.site.site_header = "gmconsole"
admin.site.site_title = "gmconsole"
admin.site.index_title = "World administration"
admin.site.site_url = "/"  # "View site" leads to the GM console


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API (the raw key is shown once there); here they are renamed or revoked.

    The hash never appears in a form: it identifies nothing to a human and must not be edited.
    """

    list_display = ("prefix_display", "name", "user", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("prefix", "name", "user__username")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "revoked")
    actions = ("revoke_tokens",)

    @admin.display(description="token", ordering="prefix")
    def prefix_display(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke_tokens(self, request, queryset) -> None:
        revoked = 0
        for token in queryset.filter(revoked=False):
            api_token_revoke(token=token)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} token{'s' if revoked != 1 else ''}.")


@admin.register(PlayerTask)
class PlayerTaskAdmin(admin.ModelAdmin):
    list_display = ("task_id", "name", "user", "created_at")
    list_filter = ("name",)
    search_fields = ("task_id", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("user", "task_id", "name", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(LLMCall)
class LLMCallAdmin(admin.ModelAdmin):
    """A log: rows are written by the LLM layer only, never edited here."""

    list_display = (
        "created_at",
        "purpose",
        "world",
        "model",
        "narrator",
        "attempt",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "latency_ms",
        "outcome",
    )
    list_filter = ("outcome", "narrator", "purpose", "world")
    search_fields = ("purpose", "task_id", "model", "error")
    list_select_related = ("world",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LLMBudget)
class LLMBudgetAdmin(admin.ModelAdmin):
    list_display = ("world", "daily_usd", "updated_at", "updated_by")
    list_select_related = ("world", "updated_by")
    fields = ("world", "daily_usd", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change) -> None:
        """Through the service, so the admin and the console record who set the budget alike."""
        saved = llm_budget_set(world=obj.world, daily_usd=obj.daily_usd, user=request.user)
        obj.pk, obj.updated_at, obj.updated_by = saved.pk, saved.updated_at, saved.updated_by
