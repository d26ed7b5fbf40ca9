"""Pagination of the growing outbox tables: exact when filtered or small, the planner's estimate when large."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from catalog import paging, services
from catalog.models import DeliveryState, PublicationDelivery
from catalog.paging import EstimatedCountPaginator

from ..factories import all_regions
from .factories import CatalogEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliveries() -> int:
    all_regions()
    editor = get_user_model().objects.create_user("editor", password="Editor-pass-1", is_staff=True)
    for _ in range(3):
        services.publish_entry(CatalogEntryFactory(), actor=editor)
    return PublicationDelivery.objects.count()


def test_small_tables_and_filtered_lists_are_counted_exactly(deliveries):
    assert deliveries == 12
    assert EstimatedCountPaginator(PublicationDelivery.objects.order_by("-id"), 5).count == 12
    pending = PublicationDelivery.objects.filter(state=DeliveryState.PENDING).order_by("-id")
    assert EstimatedCountPaginator(pending, 5).count == pending.count()


def test_a_large_unfiltered_table_uses_the_planner_estimate_on_postgresql(deliveries, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the estimate is PostgreSQL's pg_class.reltuples; SQLite always counts exactly")
    monkeypatch.setattr(paging, "EXACT_UP_TO", 5)
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "catalog_publicationdelivery"')
    # 12 rows, above the (lowered) threshold: the estimate ANALYZE just took, in a single query.
    paginator = EstimatedCountPaginator(PublicationDelivery.objects.order_by("-id"), 5)
    assert paginator.count == 12 and paginator.num_pages == 3
