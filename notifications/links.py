"""Where a notice leads: the admin page of what it is about."""

from __future__ import annotations

from django.urls import reverse


def target_path(notification: object) -> str:
    """The admin path of the list or delivery a notice is about; the inbox when neither."""
    if getattr(notification, "scenario_list_id", None):
        return reverse("admin:scenarios_scenariolist_change", args=[notification.scenario_list_id])
    if getattr(notification, "delivery_id", None):
        return reverse("admin:catalog_publicationdelivery_change", args=[notification.delivery_id])
    return reverse("admin:notifications_notification_changelist")
