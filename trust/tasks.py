"""Periodic housekeeping of the trust service (run by Celery beat, or inline without a broker)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import throttle
from .models import AcceptedServiceCode, AccessToken, RegistrationAttempt

#: Expired access tokens still answer "expired" (2003) for a week, then "invalid" (2002).
ACCESS_TOKEN_GRACE = dt.timedelta(days=7)
#: Registration attempts are the audit trail (months); the throttle keeps its own rows (trust.throttle).
REGISTRATION_RETENTION = dt.timedelta(days=180)


@shared_task(name="trust.purge_expired", ignore_result=True)
def purge_expired() -> dict[str, int]:
    """Delete what no check needs any more. Holder tokens are kept: they record authorisations (8.5)."""
    now = timezone.now()
    codes, _ = AcceptedServiceCode.objects.filter(expires_at__lt=now).delete()
    tokens, _ = AccessToken.objects.filter(expires_at__lt=now - ACCESS_TOKEN_GRACE).delete()
    attempts, _ = RegistrationAttempt.objects.filter(created_at__lt=now - REGISTRATION_RETENTION).delete()
    scopes = throttle.purge_quiet(now)
    return {"service_codes": codes, "access_tokens": tokens, "registration_attempts": attempts, "throttle_scopes": scopes}
