"""The notices themselves: their recipients and their Chinese text."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .mailing import record as record_emails
from .models import Notification, NotificationKind
from .tasks import queue_emails

#: Scenario-list event kinds that tell someone something, and the notice kind each becomes.
SCENARIO_EVENT_KINDS: dict[str, str] = {
    "proposed": NotificationKind.DECISION_NEEDED,
    "edited": NotificationKind.DECISION_NEEDED,
    "reopened": NotificationKind.DECISION_NEEDED,
    "round_reset": NotificationKind.DECISION_NEEDED,
    "rejected": NotificationKind.REJECTED,
    "published": NotificationKind.PUBLISHED,
    "withdrawn": NotificationKind.WITHDRAWN,
}


def _who(event: object) -> str:
    """「上海市 admin_sh」: the region and the user who acted, as far as known."""
    region = getattr(event, "region", None)
    actor = getattr(event, "actor", None)
    parts = [region.name if region is not None else "", actor.get_username() if actor is not None else ""]
    return " ".join(p for p in parts if p) or "系统"


def scenario_notice(event: object) -> tuple[str, str, str]:
    """(kind, title, text) for a scenario-list event."""
    from scenarios.services import after_rejection, parties_label

    scenario = event.scenario_list
    kind = SCENARIO_EVENT_KINDS[event.kind]
    label = f"用证清单「{scenario.name}」（{scenario.code}）"
    rev = f"第 {event.revision} 版"
    reason = f"：{event.reason}" if event.reason else ""
    parties = parties_label(scenario)
    if kind == NotificationKind.DECISION_NEEDED:
        step = {"proposed": "登记", "edited": "修改", "reopened": "重新提请确认"}.get(event.kind)
        cause = f"{_who(event)}{step}了本清单{reason}" if step else f"确认轮次已重置{reason}"
        return (
            kind,
            f"{label}{rev}待本地区确认",
            (f"{cause}。需{parties}对{rev}作出决定后方可发布；请审阅差异后确认或驳回。"),
        )
    if kind == NotificationKind.REJECTED:
        return kind, f"{label}{rev}被驳回", f"{_who(event)}驳回了{rev}{reason}。{after_rejection(scenario)}"
    if kind == NotificationKind.PUBLISHED:
        return kind, f"{label}{rev}已发布", f"{parties}已确认{rev}，已发布并投递至各地区。"
    return (
        kind,
        f"{label}已撤回",
        f"{_who(event)}撤回了本清单{reason}。撤回已投递至各地区，应用系统不能再使用本清单。",
    )


def scenario_recipients(event: object) -> list:
    """Active administrators of the regions the list's round needs, except whoever acted."""
    from scenarios.models import RegionAdministrator

    codes = event.scenario_list.needed_regions
    admins = (
        RegionAdministrator.objects.filter(region__code__in=codes, user__is_active=True)
        .exclude(user_id=event.actor_id)
        .select_related("user")
        .order_by("user_id")
    )
    return [admin.user for admin in admins]


def notify_scenario_event(*, event_id: int) -> list[Notification]:
    from scenarios.models import ScenarioEvent

    event = ScenarioEvent.objects.select_related("scenario_list__proposed_by", "actor", "region").get(
        pk=event_id
    )
    if (
        event.kind == "round_reset"
        and ScenarioEvent.objects.filter(
            scenario_list_id=event.scenario_list_id, revision=event.revision, kind="edited"
        ).exists()
    ):
        return []  # the edit that reset the round was notified already
    kind, title, text = scenario_notice(event)
    return _write(
        scenario_recipients(event), kind=kind, title=title, text=text, scenario_list=event.scenario_list
    )


def catalog_administrators() -> list:
    """Who is told about failed deliveries: the active members of 证照目录管理员.

    When that group has no active member, the active superusers, so that a failure reaches someone.
    """
    from scenarios.permissions import CATALOG_EDITORS

    users = get_user_model().objects.filter(is_active=True)
    editors = list(users.filter(groups__name=CATALOG_EDITORS).distinct().order_by("pk"))
    return editors or list(users.filter(is_superuser=True).order_by("pk"))


def notify_delivery_failed(*, delivery_id: int, permanent: bool) -> list[Notification]:
    from catalog.models import PublicationDelivery

    delivery = PublicationDelivery.objects.select_related("publication", "region").get(pk=delivery_id)
    publication = delivery.publication
    what = f"{publication.get_kind_display()}「{publication.code}」的{publication.get_action_display()}"
    title = f"{what}未能送达{delivery.region.name}"
    error = delivery.last_error or "无应答"
    status = f"（应答状态 {delivery.last_status}）" if delivery.last_status else ""
    follow = (
        "地区拒绝了本次投递，不会自动重试；请排查后在“发布投递”中立即重试。"
        if permanent
        else "系统将按退避间隔自动重试；在送达之前不再重复通知。"
    )
    text = f"第 {delivery.attempts} 次投递失败{status}：{error}。{follow}"
    return _write(
        catalog_administrators(),
        kind=NotificationKind.DELIVERY_FAILED,
        title=title,
        text=text,
        delivery=delivery,
    )


def _write(users: list, *, kind: str, title: str, text: str, **links: object) -> list[Notification]:
    rows = Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, title=title[:200], text=text, **links) for user in users]
    )
    with_email = record_emails(rows)
    if with_email:
        queue_emails(with_email)
    return rows
