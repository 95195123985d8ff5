"""Admin for shared infrastructure, and the admin site's own titles."""

from django.contrib import admin

from gmconsole.models import ApiToken, PlayerTask
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
