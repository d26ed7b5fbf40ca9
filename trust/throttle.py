"""Throttling of application registration (12.2.1): guesses of an appSecret are counted, then refused.

Each attempt is counted before its secret is checked, by one conditional UPDATE per scope
("count it if the scope allows one more"), atomic in the database, so a burst of concurrent
guesses gets at most the allowed number checked, in any number of processes.

Scopes (``RegistrationThrottle`` rows):

- the appId from the client address: ``YSJ_REGISTER_MAX_FAILURES_PER_APP`` failures are free, then
  the pair is locked for ``YSJ_REGISTER_LOCK_SECONDS``, and every further failure after a lock
  ends locks it again for twice as long (up to ``YSJ_REGISTER_LOCK_MAX_SECONDS``). A success
  clears it. Another address is never affected, so whoever knows an appId cannot lock the
  application's own system out.
- the client address over every appId: ``YSJ_REGISTER_MAX_FAILURES_PER_IP``, the same way, so one
  address cannot try many appIds.

A registration relayed by a province's system (READING.md "Who calls whom") comes from one
address for all of that province's applications, from a party the hub has authenticated by its
key: its scope is the appId through that province (``relay:<region>``), and the address scope is
not used, so that one application's failures never lock the province's other applications out.

A scope quiet for ``YSJ_REGISTER_FAILURE_WINDOW`` seconds (after its lock, if any) is forgotten.
Operators lift a lock with the trusted applications' admin action or ``manage.py
unlock_registration``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .models import ANY_APP, RegistrationThrottle


class Locked(Exception):
    """The attempt was refused uncounted: its scope is locked until ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(until)
        self.until = until


def client_key(ip: str | None, relay: str = "") -> str:
    """The throttle's name of a client: the relaying province, else the address (unknown ones share one)."""
    if relay:
        return f"relay:{relay}"[:45]
    return (ip or "")[:45]


def lock_seconds(lockouts: int) -> int:
    """Length of the next lock after ``lockouts`` earlier ones: doubling, within the maximum."""
    base = max(1, settings.YSJ_REGISTER_LOCK_SECONDS)
    ceiling = max(base, settings.YSJ_REGISTER_LOCK_MAX_SECONDS)
    return min(ceiling, base * 2 ** min(lockouts, 32))


def _forget_if_quiet(scope: Q, now: dt.datetime) -> None:
    since = now - dt.timedelta(seconds=settings.YSJ_REGISTER_FAILURE_WINDOW)
    RegistrationThrottle.objects.filter(scope, last_failure_at__lt=since).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=since)
    ).update(failures=0, lockouts=0, last_failure_at=None, locked_until=None)


def _take(scope: Q, limit: int, now: dt.datetime) -> bool:
    """Count one failure in ``scope`` if it allows one more; lock it when that was the last one.

    The scope allows ``limit`` failures, then one more after each lock ends. The count is one
    conditional UPDATE, atomic in the database whatever the number of processes: concurrent
    attempts can never take more than the scope allows.
    """
    allowed = RegistrationThrottle.objects.filter(scope, failures__lt=F("lockouts") + limit).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    )
    if not allowed.update(failures=F("failures") + 1, last_failure_at=now):
        return False
    row = RegistrationThrottle.objects.filter(scope).values("pk", "failures", "lockouts").get()
    if row["failures"] >= limit + row["lockouts"]:
        # Whoever sees the scope used up locks it; the guard makes that happen once per lock.
        RegistrationThrottle.objects.filter(
            pk=row["pk"], lockouts=row["lockouts"], failures__gte=limit + row["lockouts"]
        ).update(
            locked_until=now + dt.timedelta(seconds=lock_seconds(row["lockouts"])), lockouts=row["lockouts"] + 1
        )
    return True


def _until(scope: Q, now: dt.datetime) -> dt.datetime:
    row = RegistrationThrottle.objects.filter(scope).get()
    if row.is_locked(now):
        return row.locked_until
    # Used up by a concurrent attempt that has not written its lock yet: the lock it is writing.
    return now + dt.timedelta(seconds=lock_seconds(row.lockouts))


def reserve(app_id: str, ip: str | None, *, relay: str = "", now: dt.datetime | None = None) -> None:
    """Count one attempt of ``app_id`` from ``ip`` as a failure, before its secret is checked.

    Raises ``Locked`` while a scope is locked or used up (the appId's scope is tried first, so a
    locked appId does not use up its address's allowance). ``succeeded`` takes the count back.
    ``relay`` is the code of the province relaying the attempt, if any.
    """
    now = now or timezone.now()
    client = client_key(ip, relay)
    scopes = [(Q(app_id=app_id[:64], client=client), settings.YSJ_REGISTER_MAX_FAILURES_PER_APP)]
    rows = [RegistrationThrottle(app_id=app_id[:64], client=client)]
    if not relay:
        scopes.append((Q(app_id=ANY_APP, client=client), settings.YSJ_REGISTER_MAX_FAILURES_PER_IP))
        rows.append(RegistrationThrottle(app_id=ANY_APP, client=client))
    RegistrationThrottle.objects.bulk_create(rows, ignore_conflicts=True)
    for scope, limit in scopes:
        _forget_if_quiet(scope, now)
        if not _take(scope, limit, now):
            raise Locked(_until(scope, now))


def succeeded(app_id: str, ip: str | None, *, relay: str = "") -> None:
    """The attempt counted by ``reserve`` succeeded: clear its appId's scope, take it back from the address's."""
    client = client_key(ip, relay)
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
