"""Throttling of application registration (12.2.1): guesses of an appSecret are counted, then refused.

Each attempt is counted before its secret is checked, in a transaction holding the rows of its
scopes locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so a burst of
concurrent guesses gets at most the allowed number checked, in any number of processes.

Scopes (``RegistrationThrottle`` rows):

- the appId from the client address: ``YSJ_REGISTER_MAX_FAILURES_PER_APP`` failures are free, then
  the pair is locked for ``YSJ_REGISTER_LOCK_SECONDS``, and every further failure after a lock
  ends locks it again for twice as long (up to ``YSJ_REGISTER_LOCK_MAX_SECONDS``). A success
  clears it. Another address is never affected, so whoever knows an appId cannot lock the
  application's own system out.
- the client address over every appId: ``YSJ_REGISTER_MAX_FAILURES_PER_IP``, the same way, so one
  address cannot try many appIds.

A scope quiet for ``YSJ_REGISTER_FAILURE_WINDOW`` seconds (after its lock, if any) is forgotten.
Operators lift a lock with the trusted applications' admin action or ``manage.py
unlock_registration``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import ANY_APP, RegistrationThrottle


class Locked(Exception):
    """The attempt was refused uncounted: its scope is locked until ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(until)
        self.until = until


def client_key(ip: str | None) -> str:
    """The throttle's name of a client address; all unknown addresses share one scope."""
    return (ip or "")[:45]


def lock_seconds(lockouts: int) -> int:
    """Length of the next lock after ``lockouts`` earlier ones: doubling, within the maximum."""
    base = max(1, settings.YSJ_REGISTER_LOCK_SECONDS)
    ceiling = max(base, settings.YSJ_REGISTER_LOCK_MAX_SECONDS)
    return min(ceiling, base * 2 ** min(lockouts, 32))


def _limit(row: RegistrationThrottle) -> int:
    if row.app_id == ANY_APP:
        return settings.YSJ_REGISTER_MAX_FAILURES_PER_IP
    return settings.YSJ_REGISTER_MAX_FAILURES_PER_APP


def _forget_if_quiet(row: RegistrationThrottle, now: dt.datetime) -> None:
    last = max(filter(None, (row.last_failure_at, row.locked_until)), default=None)
    if last is not None and now - last > dt.timedelta(seconds=settings.YSJ_REGISTER_FAILURE_WINDOW):
        row.failures, row.lockouts, row.last_failure_at, row.locked_until = 0, 0, None, None


def reserve(app_id: str, ip: str | None, *, now: dt.datetime | None = None) -> None:
    """Count one attempt of ``app_id`` from ``ip`` as a failure, before its secret is checked.

    Raises ``Locked`` (and counts nothing) while a scope is locked. The count is committed when this
    returns, so concurrent attempts see it; ``succeeded`` takes it back.
    """
    now = now or timezone.now()
    client = client_key(ip)
    scopes = [(app_id[:64], client), (ANY_APP, client)]
    with transaction.atomic():
        RegistrationThrottle.objects.bulk_create(
            [RegistrationThrottle(app_id=scope_app, client=scope_client) for scope_app, scope_client in scopes],
            ignore_conflicts=True,
        )
        # One lock order (by id) for every request, so two requests never wait on each other.
        rows = list(
            RegistrationThrottle.objects.select_for_update()
            .filter(Q(app_id=scopes[0][0], client=client) | Q(app_id=ANY_APP, client=client))
            .order_by("id")
        )
        for row in rows:
            _forget_if_quiet(row, now)
        locked = [row.locked_until for row in rows if row.is_locked(now)]
        if locked:
            for row in rows:
                row.save(update_fields=["failures", "lockouts", "last_failure_at", "locked_until"])
            raise Locked(max(locked))
        for row in rows:
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= _limit(row):
                row.locked_until = now + dt.timedelta(seconds=lock_seconds(row.lockouts))
                row.lockouts += 1
            row.save(update_fields=["failures", "lockouts", "last_failure_at", "locked_until"])


def succeeded(app_id: str, ip: str | None) -> None:
    """The attempt counted by ``reserve`` succeeded: clear its appId's scope, take it back from the address's."""
    client = client_key(ip)
    RegistrationThrottle.objects.filter(app_id=app_id[:64], client=client).update(
        failures=0, lockouts=0, last_failure_at=None, locked_until=None
    )
    RegistrationThrottle.objects.filter(app_id=ANY_APP, client=client, failures__gt=0).update(
        failures=F("failures") - 1
    )


def unlock(*, app_ids: list[str] | None = None, client: str | None = None) -> int:
    """Lift the locks and forget the failures of these appIds and/or this address; how many scopes."""
    if app_ids is None and client is None:
        raise ValueError("name an appId or a client address")
    rows = RegistrationThrottle.objects.all()
    if app_ids is not None:
        rows = rows.filter(app_id__in=[app_id[:64] for app_id in app_ids])
    if client is not None:
        rows = rows.filter(client=client_key(client))
    return rows.update(failures=0, lockouts=0, last_failure_at=None, locked_until=None)


def locked_scopes(now: dt.datetime | None = None):
    """The scopes locked now, for the operators' pages."""
    return RegistrationThrottle.objects.filter(locked_until__gt=now or timezone.now())


def purge_quiet(now: dt.datetime | None = None) -> int:
    """Delete scopes unlocked and quiet for the window: they would be forgotten at their next attempt anyway."""
    since = (now or timezone.now()) - dt.timedelta(seconds=settings.YSJ_REGISTER_FAILURE_WINDOW)
    stale = RegistrationThrottle.objects.filter(Q(locked_until__isnull=True) | Q(locked_until__lt=since)).filter(
        Q(last_failure_at__isnull=True) | Q(last_failure_at__lt=since)
    )
    deleted, _ = stale.delete()
    return deleted
