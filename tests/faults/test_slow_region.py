"""A region that keeps timing out is skipped for a cool-down and probed in the background.

Real faults only: the ZJ node answers after 2.5 s (its drill) while the hub gives it 1 s. Searches
go over real HTTP to the hub, which asks the four live nodes.
"""

from __future__ import annotations

import pytest

from sharing.regions import clients
from trust.models import EnvelopeCall

from ..publication.helpers import wait_for
from ..sharing.conftest import app, hub  # noqa: F401 - fixtures: the live hub and an application

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = "/api/v1/certificates/search"


def calls_to(code: str) -> int:
    return EnvelopeCall.objects.filter(direction="out", account_id=code, endpoint=SEARCH).count()


def test_a_region_that_keeps_timing_out_is_skipped_then_probed_back(app, live_regions, regional_nodes,  # noqa: F811
                                                                    settings):
    settings.YSJ_REGION_BREAKER_FAILURES = 3
    settings.YSJ_REGION_BREAKER_COOLDOWN = 2.0
    zj = live_regions["ZJ"]
    zj.timeout_seconds = 1
    zj.save()
    regional_nodes["ZJ"].set_delay(2500)

    for _ in range(3):
        response = app.search()
        assert response.ok and response.data["unavailableRegions"] == ["ZJ"]
    breaker = clients.breaker(zj)
    assert breaker.is_open and breaker.opened == 1
    assert calls_to("ZJ") == 3

    # Open: ZJ is listed unavailable without being called; the other regions still answer.
    response = app.search()
    assert response.ok and response.data["unavailableRegions"] == ["ZJ"]
    assert response.data["total"] == 3
    assert calls_to("ZJ") == 3 and calls_to("SH") == 4

    # After the cool-down a search starts a background probe; the node is still slow: open again.
    assert wait_for(lambda: app.search().ok and breaker.probing or breaker.opened == 2, timeout=30)
    assert wait_for(lambda: not breaker.probing, timeout=30)
    assert breaker.is_open and breaker.opened == 2
    assert calls_to("ZJ") == 3  # the probe is not a search, and is not recorded as one

    # The node recovers: the next probe closes the breaker and ZJ answers searches again.
    regional_nodes["ZJ"].set_delay(0)
    assert wait_for(lambda: app.search().ok and not breaker.is_open, timeout=30)
    response = app.search()
    assert response.ok and response.data["unavailableRegions"] == []
    assert response.data["total"] == 4
    assert breaker.opened == 2


def test_a_region_that_answers_is_never_skipped(app, live_regions, regional_nodes, settings):  # noqa: F811
    """Refusals and garbage are answers: they do not count against a region."""
    settings.YSJ_REGION_BREAKER_FAILURES = 2
    regional_nodes["AH"].set_malformed("garbage")
    for _ in range(3):
        response = app.search()
        assert response.ok and response.data["unavailableRegions"] == ["AH"]
    assert not clients.breaker(live_regions["AH"]).is_open
    assert calls_to("AH") == 3
