"""The inbox: each staff user sees their own notifications, newest first, with the unread count.

Opening a notification marks it read and leads to the page it is about; the list marks the
selected ones or all of them read. Nobody reads another user's notifications, superusers included.

The e-mail copies (通知邮件) are a read-only list for whoever holds their view permission
(superusers): state, attempts and last error of each, never the text of the notice.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ysj_portal.admin_base import ReadOnlyAdmin

from . import services
from .links import target_path
from .models import EmailState, Notification, NotificationEmail


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title_link", "kind", "short_text", "created_at", "read_state", "email_state")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    list_select_related = ("email",)
    actions = ["mark_selected_read"]
    list_per_page = 50
    show_full_result_count = False
    change_list_template = "admin/notifications/notification/change_list.html"

    # Every active staff user has an inbox; no model permission is needed to read one's own.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        user = request.user
        return user.is_active and user.is_staff and (obj is None or obj.recipient_id == user.pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        return super().get_queryset(request).filter(recipient_id=request.user.pk)

    def get_urls(self) -> list:
        urls = [
            path(
                "<int:object_id>/open/",
                self.admin_site.admin_view(self.open_view),
                name="notifications_notification_open",
            ),
            path(
                "read-all/",
                self.admin_site.admin_view(self.read_all_view),
                name="notifications_notification_read_all",
            ),
        ]
        return urls + super().get_urls()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        return self.open_view(request, object_id)

    def open_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Mark the notification read and go to what it is about."""
        notification = get_object_or_404(self.get_queryset(request), pk=object_id)
        services.mark_read(user=request.user, notifications=[notification])
        return HttpResponseRedirect(target_path(notification))

    def read_all_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        count = services.mark_read(user=request.user)
        self.message_user(request, f"已将 {count} 条通知标为已读。", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:notifications_notification_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        unread = services.request_unread_count(request)
        context = {
            "title": f"我的通知（{unread} 条未读）" if unread else "我的通知（无未读）",
            "unread_count": unread,
        }
        context.update(extra_context or {})
        return super().changelist_view(request, extra_context=context)

    @admin.action(description="将所选通知标为已读")
    def mark_selected_read(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = services.mark_read(user=request.user, notifications=list(queryset))
        self.message_user(request, f"已将 {count} 条通知标为已读。", messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> dict:
        # The stock actions need model permissions; the inbox has its own.
        return {
            name: value
            for name, value in super().get_actions(request).items()
            if name == "mark_selected_read"
        }

    @admin.display(description="标题", ordering="title")
    def title_link(self, obj: Notification) -> str:
        url = reverse("admin:notifications_notification_open", args=[obj.pk])
        if obj.is_read:
            return format_html('<a href="{}">{}</a>', url, obj.title)
        return format_html('<a href="{}"><strong>{}</strong></a>', url, obj.title)

    @admin.display(description="内容")
    def short_text(self, obj: Notification) -> str:
        return obj.text if len(obj.text) <= 120 else obj.text[:120] + "…"

    @admin.display(description="状态", ordering="read_at")
    def read_state(self, obj: Notification) -> str:
        return "已读" if obj.is_read else mark_safe('<span style="color:#ba2121">未读</span>')  # noqa: S308 - a constant

    @admin.display(description="邮件")
    def email_state(self, obj: Notification) -> str:
        copy = getattr(obj, "email", None)  # none when the recipient had no address
        return copy.get_state_display() if copy is not None else "—"


@admin.register(NotificationEmail)
class NotificationEmailAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "recipient",
        "address",
        "state",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "emailed_at",
        "short_error",
    )
    list_filter = ("state",)
    list_select_related = ("notification__recipient",)
    fields = (
        "title",
        "recipient",
        "address",
        "state",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "emailed_at",
        "last_error",
    )
    readonly_fields = fields
    search_fields = ("=address",)
    list_per_page = 50

    @admin.display(description="通知", ordering="notification__title")
    def title(self, obj: NotificationEmail) -> str:
        return obj.notification.title

    @admin.display(description="接收人", ordering="notification__recipient__username")
    def recipient(self, obj: NotificationEmail) -> str:
        return obj.notification.recipient.get_username()

    @admin.display(description="发送时间", ordering="notification__emailed_at")
    def emailed_at(self, obj: NotificationEmail):
        return obj.notification.emailed_at if obj.state == EmailState.SENT else None

    @admin.display(description="最近错误")
    def short_error(self, obj: NotificationEmail) -> str:
        return obj.last_error if len(obj.last_error) <= 80 else obj.last_error[:80] + "…"
