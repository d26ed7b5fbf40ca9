"""The registry cache: callers, regions and scenario lists read once, reloaded when the registry changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing.regions import active_regions
from trust import registry
from trust.models import ApplicationStatus, RegistryGeneration, TrustedApplication
from trust.parties import resolve_account

from ..factories import ApplicationFactory, RegionFactory

pytestmark = pytest.mark.django_db


def _other_worker_suspends(application: TrustedApplication) -> None:
    """What another worker process's change looks like here: the row changes without this process's
    signals; that worker's commit then counts the change (``registry.bump`` after commit)."""
    TrustedApplication.objects.filter(pk=application.pk).update(status=ApplicationStatus.SUSPENDED)


def test_a_warm_read_costs_one_small_query():
    ApplicationFactory(app_id="app-warm")
    with CaptureQueriesContext(connection) as cold:
        assert resolve_account("app-warm").is_active
    with CaptureQueriesContext(connection) as warm:
        assert resolve_account("app-warm").is_active
    assert len(cold) == 2  # the generation, then the application with its region
    assert [q["sql"] for q in warm] == [cold[0]["sql"]]


def test_a_change_counted_by_another_worker_is_seen_by_the_next_call():
    app = ApplicationFactory(app_id="app-elsewhere")
    assert resolve_account("app-elsewhere").is_active
    _other_worker_suspends(app)
    assert resolve_account("app-elsewhere").is_active, "not counted yet: the cached value stands"
    registry.bump()
    assert not resolve_account("app-elsewhere").is_active


def test_an_uncounted_change_is_seen_once_the_cache_age_is_reached(monkeypatch, settings):
    settings.YSJ_REGISTRY_CACHE_SECONDS = 30
    app = ApplicationFactory(app_id="app-aged")
    clock = [1000.0]
    monkeypatch.setattr(registry.time, "monotonic", lambda: clock[0])
    assert resolve_account("app-aged").is_active
    _other_worker_suspends(app)
    clock[0] += 29
    assert resolve_account("app-aged").is_active
    clock[0] += 2
    assert not resolve_account("app-aged").is_active


def test_a_save_in_this_process_is_seen_at_once_and_counted_after_commit(django_capture_on_commit_callbacks):
    from trust.services import set_application_status

    app = ApplicationFactory(app_id="app-here")
    assert resolve_account("app-here").is_active
    before = RegistryGeneration.objects.get(pk=1).value
    with django_capture_on_commit_callbacks(execute=True):
        set_application_status(app, ApplicationStatus.SUSPENDED, "测试")
    assert not resolve_account("app-here").is_active
    assert RegistryGeneration.objects.get(pk=1).value > before


def test_region_changes_reach_the_fan_out_list(django_capture_on_commit_callbacks):
    sh, js = RegionFactory(code="SH"), RegionFactory(code="JS")
    assert [r.code for r in active_regions()] == ["SH", "JS"]
    js.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        js.save(update_fields=["is_active"])
    assert [r.code for r in active_regions()] == ["SH"]
    sh.delete()
    assert active_regions() == []


def test_unknown_accounts_are_not_kept():
    with CaptureQueriesContext(connection) as first:
        assert resolve_account("nobody") is None
    with CaptureQueriesContext(connection) as second:
        assert resolve_account("nobody") is None
    assert len(second) == len(first) > 1
    ApplicationFactory(app_id="nobody")
    assert resolve_account("nobody") is not None


def test_no_cache_when_turned_off(settings):
    settings.YSJ_REGISTRY_CACHE_SECONDS = 0
    ApplicationFactory(app_id="app-off")
    resolve_account("app-off")
    with CaptureQueriesContext(connection) as again:
        resolve_account("app-off")
    assert len(again) == 1 and "generation" not in again[0]["sql"]


def test_no_cache_without_the_counter_row():
    ApplicationFactory(app_id="app-norow")
    RegistryGeneration.objects.all().delete()
    assert registry.generation() is None
    resolve_account("app-norow")
    with CaptureQueriesContext(connection) as again:
        assert resolve_account("app-norow").is_active
    assert len(again) == 2  # the failed generation read, then the application itself


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(registry, "MAX_ENTRIES", 3)
    for n in range(5):
        registry.cached(("k", n), lambda n=n: n)
    assert len(registry._entries) == 3
    assert list(registry._entries) == [("k", 2), ("k", 3), ("k", 4)]
