"""The home page costs a fixed number of queries, whatever the number of lists, deliveries and calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ..factories import all_regions
from ..scenarios.factories import confirm, four_admins
from .factories import call, delivery, proposed, superuser

pytestmark = pytest.mark.django_db

#: Session and user, the region, the waiting lists (rows with their count, their decisions), the
#: rejected ones (rows with their count), the regions with their deliveries and last answers, the hour's calls and
#: their percentiles, the evidence log's newest checkpoint (none here), the unread notifications;
#: for a region administrator also the user's and the group's permissions (a superuser has all).
EXPECTED = {"SH": 13, "root": 11}


def grow(start: int, stop: int) -> None:
    regions = {r.code: r for r in all_regions()}
    now = timezone.now()
    for i in range(start, stop):
        scenario = proposed(f"Q-{i:03d}", by=("SH", "ZJ")[i % 2], age=timedelta(hours=i))
        if i % 3 == 0:
            confirm(scenario, "JS")
        delivery(
            regions[("SH", "ZJ", "AH")[i % 3]], age=timedelta(minutes=i), error="连接被拒绝", code=f"Q-{i}"
        )
        call(to="SH", latency_ms=float(i), at=now - timedelta(minutes=i % 50))
        call(to="region-zj", error="timeout" if i % 4 == 0 else "", at=now - timedelta(minutes=i % 50))


def queries(user) -> int:
    client = Client()
    client.force_login(user)
    client.get("/admin/")  # warm: content types, the template loader
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/")
    assert response.status_code == 200
    return len(captured)


def test_query_count_is_fixed_and_flat():
    admins = four_admins()
    root = superuser()
    grow(0, 3)
    small = {"SH": queries(admins["SH"]), "root": queries(root)}
    grow(3, 30)
    large = {"SH": queries(admins["SH"]), "root": queries(root)}
    assert small == EXPECTED
    assert large == EXPECTED
