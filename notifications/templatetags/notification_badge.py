"""The unread count in the admin header (``templates/admin/base_site.html``), linking to the inbox."""

from __future__ import annotations

from django import template
from django.urls import reverse

from ..services import request_unread_count

register = template.Library()


@register.inclusion_tag("notifications/badge.html", takes_context=True)
def notification_badge(context: template.Context) -> dict[str, object]:
    """「通知 (3)」 for a user with unread notifications, nothing otherwise; one query per request at most."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not (user is not None and user.is_active and user.is_staff):
        return {"unread": 0}
    unread = request_unread_count(request)
    return {
        "unread": unread,
        "inbox_url": reverse("admin:notifications_notification_changelist") if unread else "",
    }
