"""The admin page of locked admin logins (django-axes), fitted to the governance portal's roles.

Region administrators (scenarios.permissions) hold the view and delete permissions of the
attempts, so they can lift a colleague's lock; a lock on a superuser's account is shown to and
lifted by superusers only, so that a region administrator cannot help anyone guess it.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginLockAdmin(AccessAttemptAdmin):
    list_display = ["username_display", "address_display", "failures_display", "time_display", "state_display"]
    actions = ["unlock_selected", "cleanup_expired_attempts"]

    @admin.display(description="账户", ordering="username")
    def username_display(self, obj: AccessAttempt) -> str:
        return obj.username or ""

    @admin.display(description="来源地址", ordering="ip_address")
    def address_display(self, obj: AccessAttempt) -> str:
        return obj.ip_address or "未知"

    @admin.display(description="连续失败次数", ordering="failures_since_start")
    def failures_display(self, obj: AccessAttempt) -> int:
        return obj.failures_since_start

    @admin.display(description="最近失败时间", ordering="attempt_time")
    def time_display(self, obj: AccessAttempt):
        return obj.attempt_time

    @admin.display(description="状态")
    def state_display(self, obj: AccessAttempt) -> str:
        cooloff = settings.AXES_COOLOFF_TIME
        cooled = cooloff is not None and obj.attempt_time + cooloff <= timezone.now()
        return "锁定中" if obj.failures_since_start >= settings.AXES_FAILURE_LIMIT and not cooled else "未锁定"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessAttempt]:
        attempts = super().get_queryset(request)
        if request.user.is_superuser:
            return attempts
        superusers = get_user_model().objects.filter(is_superuser=True).values("username")
        return attempts.exclude(username__in=superusers)

    @admin.action(description="解除所选账户在该地址的登录锁定", permissions=["delete"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count = 0
        for attempt in queryset:
            attempt.delete()  # one by one: axes' delete signal clears its own state too
            count += 1
        self.message_user(request, f"已解除 {count} 条登录锁定。", messages.SUCCESS)
