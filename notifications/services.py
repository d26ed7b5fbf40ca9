"""Reading and marking a user's notifications; writing them is ``notifications.receivers``' job."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone

from .models import Notification


def unread_count(user: AbstractBaseUser | None) -> int:
    """How many of ``user``'s notifications are unread (0 for an anonymous user)."""
    if user is None or not getattr(user, "pk", None):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


#: Where a request keeps its user's unread count, so the admin header and the page share one query.
_REQUEST_CACHE = "_notifications_unread_count"


def request_unread_count(request: HttpRequest) -> int:
    """The unread count of the request's user, counted once per request (header badge, home page, inbox)."""
    cached = getattr(request, _REQUEST_CACHE, None)
    if cached is None:
        cached = unread_count(getattr(request, "user", None))
        setattr(request, _REQUEST_CACHE, cached)
    return cached


def mark_read(*, user: AbstractBaseUser, notifications: Iterable[Notification] | None = None) -> int:
    """Mark ``user``'s given notifications (all of them when None) as read; returns how many changed.

    Only the user's own rows change, whatever ids are passed.
    """
    rows = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if notifications is not None:
        rows = rows.filter(pk__in=[n.pk for n in notifications])
    return rows.update(read_at=timezone.now())
