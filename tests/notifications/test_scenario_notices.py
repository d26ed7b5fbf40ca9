"""Scenario-list steps notify the administrators of the regions the round needs, after commit only."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.db import transaction

from notifications.models import EmailState, Notification, NotificationKind
from notifications.services import unread_count
from scenarios import services
from scenarios.models import Decision
from trust.models import Region

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from ..factories import no_delivery
from ..scenarios.factories import confirm, propose, region_admin
from .helpers import catalog_editor, closed_port, join_fifth_party, with_email

pytestmark = pytest.mark.django_db




@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit work of what the test does, as a real commit would (no region is called)."""

    def run(action):
        with no_delivery(), django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def recipients(kind: str, **filters) -> list[str]:
    rows = Notification.objects.filter(kind=kind, **filters).select_related("recipient")
    return sorted(row.recipient.username for row in rows)


def test_a_proposal_asks_every_region_of_the_round_except_the_proposer(admins, entry, committed):
    second_sh = region_admin("SH", username="admin_sh_2")
    editor = catalog_editor()
    scenario = committed(lambda: propose("N-001", [entry], by="SH"))
    assert recipients(NotificationKind.DECISION_NEEDED, scenario_list=scenario) == [
        "admin_ah",
        "admin_js",
        "admin_sh_2",
        "admin_zj",
    ]
    assert unread_count(admins["SH"]) == 0  # who acted is not told about it
    assert unread_count(editor) == 0  # not a region administrator
    notice = Notification.objects.get(recipient=second_sh)
    assert notice.title == "用证清单「清单 N-001」（N-001）第 1 版待本地区确认"
    assert "上海市 admin_sh登记了本清单" in notice.text and "四地" in notice.text


def test_an_edit_and_a_reopening_ask_again_once_each(admins, entry, committed):
    scenario = committed(lambda: propose("N-002", [entry], by="SH"))
    committed(lambda: confirm(scenario, "JS"))
    assert (
        Notification.objects.filter(kind=NotificationKind.DECISION_NEEDED).count() == 3
    )  # confirming tells no one
    other = PublishedEntryFactory(type_name="营业执照", type_code=gb_type_code(112))
    scenario.refresh_from_db()
    committed(
        lambda: services.edit_list(
            scenario,
            actor=admins["ZJ"],
            name=scenario.name,
            entries=[entry, other],
            valid_start=scenario.valid_start,
            valid_end=None,
            reason="增加营业执照",
        )
    )
    # One notice per recipient for the edit, though it also logged the reset of JS's confirmation.
    assert recipients(NotificationKind.DECISION_NEEDED, title__contains="第 2 版") == [
        "admin_ah",
        "admin_js",
        "admin_sh",
    ]
    scenario.refresh_from_db()
    committed(
        lambda: services.decide(
            scenario,
            actor=admins["AH"],
            region=Region.objects.get(code="AH"),
            revision=scenario.revision,
            decision=Decision.REJECTED,
            reason="材料不全",
        )
    )
    scenario.refresh_from_db()
    committed(lambda: services.reopen(scenario, actor=admins["SH"], reason="已补充说明"))
    assert recipients(NotificationKind.DECISION_NEEDED, title__contains="第 3 版") == [
        "admin_ah",
        "admin_js",
        "admin_zj",
    ]


def test_a_rejection_says_what_happens_next(admins, entry, committed):
    scenario = committed(lambda: propose("N-003", [entry], by="SH"))
    committed(
        lambda: services.decide(
            scenario,
            actor=admins["JS"],
            region=Region.objects.get(code="JS"),
            revision=1,
            decision=Decision.REJECTED,
            reason="名称不规范",
        )
    )
    assert recipients(NotificationKind.REJECTED) == ["admin_ah", "admin_sh", "admin_zj"]
    notice = Notification.objects.get(kind=NotificationKind.REJECTED, recipient=admins["SH"])
    assert notice.title == "用证清单「清单 N-003」（N-003）第 1 版被驳回"
    assert "江苏省 admin_js驳回了第 1 版：名称不规范" in notice.text
    assert "需由上海市" in notice.text and "开启新一轮确认" in notice.text


def test_publication_and_withdrawal_are_told_to_the_regions(admins, entry, committed):
    scenario = committed(lambda: propose("N-004", [entry], by="SH"))
    committed(lambda: confirm(scenario, "SH", "JS", "ZJ", "AH"))
    # The last confirmation (AH's) published it: the other three are told.
    assert recipients(NotificationKind.PUBLISHED) == ["admin_js", "admin_sh", "admin_zj"]
    assert "四地已确认第 1 版" in Notification.objects.filter(kind=NotificationKind.PUBLISHED).first().text
    committed(lambda: services.withdraw_list(scenario, actor=admins["ZJ"], reason="事项调整"))
    assert recipients(NotificationKind.WITHDRAWN) == ["admin_ah", "admin_js", "admin_sh"]
    assert (
        "浙江省 admin_zj撤回了本清单：事项调整"
        in Notification.objects.filter(kind=NotificationKind.WITHDRAWN).first().text
    )


def test_a_party_the_round_does_not_need_is_not_told(admins, entry, committed, monkeypatch):
    scenario = committed(lambda: propose("N-005", [entry], by="SH"))  # the round records the four
    fifth = join_fifth_party(monkeypatch)
    committed(lambda: confirm(scenario, "SH", "JS", "ZJ", "AH"))
    assert unread_count(fifth) == 0
    assert recipients(NotificationKind.PUBLISHED) == ["admin_js", "admin_sh", "admin_zj"]
    # A round opened now needs five: the fifth party is asked, and the text no longer says four.
    committed(lambda: propose("N-006", [entry], by="SH"))
    notice = Notification.objects.get(recipient=fifth)
    assert (
        notice.kind == NotificationKind.DECISION_NEEDED
        and "四地" not in notice.text
        and "五地" in notice.text
    )


def test_a_rolled_back_change_notifies_no_one(admins, entry, django_capture_on_commit_callbacks):
    with_email(admins["JS"])

    def failing():
        with transaction.atomic():
            propose("N-007", [entry], by="SH")
            raise RuntimeError("rolled back")

    with no_delivery(), django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        failing()
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_the_notice_is_e_mailed_to_users_with_an_address(admins, entry, committed):
    with_email(admins["JS"], "js-admin@example.gov.cn")
    committed(lambda: propose("N-008", [entry], by="SH"))
    assert len(mail.outbox) == 1  # ZJ's and AH's administrators have no address
    message = mail.outbox[0]
    assert message.to == ["js-admin@example.gov.cn"]
    assert message.subject == "[长三角电子证照] 用证清单「清单 N-008」（N-008）第 1 版待本地区确认"
    scenario_id = Notification.objects.get(recipient=admins["JS"]).scenario_list_id
    assert f"/admin/scenarios/scenariolist/{scenario_id}/change/" in message.body
    assert Notification.objects.get(recipient=admins["JS"]).emailed_at is not None


def test_a_mail_server_that_is_down_never_breaks_the_workflow(admins, entry, committed, settings, caplog):
    # A real SMTP connection to a loopback port nothing listens on.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    settings.YSJ_NOTIFICATION_EMAIL_ATTEMPTS = 2
    with_email(admins["JS"])
    with caplog.at_level(logging.ERROR, logger="notifications.mailing"):
        scenario = committed(lambda: propose("N-009", [entry], by="SH"))
    assert scenario.pk is not None and scenario.events.count() == 1
    notice = Notification.objects.get(recipient=admins["JS"])
    assert notice.emailed_at is None  # the notice in the admin stays; the e-mail was not sent
    # Inline (no broker) the attempts follow at once; the copy records why it was given up.
    assert (notice.email.state, notice.email.attempts) == (EmailState.FAILED, 2)
    assert notice.email.last_error.startswith("ConnectionRefusedError: ")
    assert any("given up after 2 attempt(s)" in r.getMessage() for r in caplog.records)
