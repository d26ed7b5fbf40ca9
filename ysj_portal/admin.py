"""The admin page of locked admin logins (django-axes), fitted to the governance portal's roles.

Region administrators (scenarios.permissions) hold the view and delete permissions of the
attempts, so they can lift a colleague's lock; a lock on a superuser's account is shown to and
lifted by superusers only, so that a region administrator cannot help anyone guess it.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginLockAdmin(AccessAttemptAdmin):
    actions = ["unlock_selected", "cleanup_expired_attempts"]

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
