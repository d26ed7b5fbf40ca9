"""Notices are kept YSJ_NOTICE_RETENTION_DAYS, then the periodic task purges them."""

import datetime as dt

import pytest
from django.utils import timezone

from notices.models import HolderNotice, PageThrottle, PresentedServiceCode
from notices.tasks import purge_expired

from ..factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _notice(age: dt.timedelta) -> HolderNotice:
    return HolderNotice.objects.create(
        created_at=timezone.now() - age,
        holder_key="0" * 64,
        kind="info_by_id",
        application=ApplicationFactory(),
        application_name="应用",
        scenario_code="SC",
        text="【长三角电子证照】…",
    )


def test_the_task_purges_notices_past_the_retention_and_expired_page_codes(settings):
    settings.YSJ_NOTICE_RETENTION_DAYS = 30
    old = _notice(dt.timedelta(days=31))
    kept = _notice(dt.timedelta(days=29))
    now = timezone.now()
    PresentedServiceCode.objects.create(nonce_hash="a" * 64, expires_at=now - dt.timedelta(seconds=1))
    PresentedServiceCode.objects.create(nonce_hash="b" * 64, expires_at=now + dt.timedelta(minutes=5))
    PageThrottle.objects.create(client="192.0.2.1", window_started_at=now - dt.timedelta(days=1), attempts=3)
    PageThrottle.objects.create(client="192.0.2.2", window_started_at=now, attempts=3)
    assert purge_expired.delay().get() == 1
    assert list(HolderNotice.objects.all()) == [kept]
    assert not HolderNotice.objects.filter(pk=old.pk).exists()
    assert list(PresentedServiceCode.objects.values_list("nonce_hash", flat=True)) == ["b" * 64]
    assert list(PageThrottle.objects.values_list("client", flat=True)) == ["192.0.2.2"]


def test_the_task_runs_hourly(settings):
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["notices.purge_expired"] == 3600.0
