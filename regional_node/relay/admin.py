from django.contrib import admin

from .models import Application, ApplicationStatus, RelayedToken


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("app_id", "name", "status", "created_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("app_id", "name")
    actions = ["suspend", "activate"]
    # A suspended application is refused at the node (1011) on its next call.

    @admin.action(description="暂停所选应用系统")
    def suspend(self, request, queryset) -> None:
        count = queryset.update(status=ApplicationStatus.SUSPENDED)
        self.message_user(request, f"已暂停 {count} 个应用系统")

    @admin.action(description="恢复所选应用系统")
    def activate(self, request, queryset) -> None:
        count = queryset.update(status=ApplicationStatus.ACTIVE)
        self.message_user(request, f"已恢复 {count} 个应用系统")


@admin.register(RelayedToken)
class RelayedTokenAdmin(admin.ModelAdmin):
    list_display = ("application", "token_digest", "expires_at", "created_at")
    list_select_related = ("application",)
    search_fields = ("application__app_id",)
    readonly_fields = [f.name for f in RelayedToken._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
