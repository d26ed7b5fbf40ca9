"""check_usage (7.3 a-b, 9 c): each refusal with its own status, a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import CatalogStatus
from scenarios.usage import check_usage
from ysj_protocol import status
from ysj_protocol.envelope import EnvelopeError

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from ..factories import ApplicationFactory
from .factories import confirm, four_admins, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def live():
    four_admins()
    id_card = PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(111))
    licence = PublishedEntryFactory(type_name="营业执照", type_code=gb_type_code(201))
    scenario = propose("U-001", [id_card, licence])
    confirm(scenario, "SH", "JS", "ZJ", "AH")
    app = ApplicationFactory(app_id="app-usage")
    scenario.applications.add(app)
    return scenario, app, id_card, licence


def code_of(call) -> str:
    with pytest.raises(EnvelopeError) as info:
        call()
    return info.value.status.code


def test_grant_lists_the_shared_types(live):
    scenario, app, *_ = live
    grant = check_usage(app, "U-001")
    assert grant.scenario_list == scenario
    assert grant.allowed_type_codes == [gb_type_code(111), gb_type_code(201)] and grant.allowed_type_names == ["居民身份证", "营业执照"]
    assert check_usage(app, "U-001", ["营业执照"]).allowed_type_codes == [gb_type_code(201)]
    assert check_usage(app, "U-001", [gb_type_code(111)]).allowed_type_names == ["居民身份证"]


def test_each_refusal_has_its_code(live):
    scenario, app, id_card, _ = live
    assert code_of(lambda: check_usage(app, "NOPE")) == status.SCENARIO_NOT_FOUND.code
    assert code_of(lambda: check_usage(ApplicationFactory(app_id="app-other"), "U-001")) == status.SCENARIO_NOT_ASSOCIATED.code
    assert code_of(lambda: check_usage(app, "U-001", ["结婚证"])) == status.CERTIFICATE_TYPE_NOT_IN_SCENARIO.code
    scenario.published_valid_start = timezone.now() - timedelta(days=2)
    scenario.published_valid_end = timezone.now() - timedelta(seconds=1)
    scenario.save(update_fields=["published_valid_start", "published_valid_end"])
    assert code_of(lambda: check_usage(app, "U-001")) == status.SCENARIO_NOT_VALID.code


def test_catalog_outside_its_share_window(live):
    scenario, app, id_card, licence = live
    id_card.share_start = timezone.now() - timedelta(days=3)
    id_card.share_end = timezone.now() - timedelta(seconds=1)
    id_card.save(update_fields=["share_start", "share_end"])
    assert code_of(lambda: check_usage(app, "U-001", ["居民身份证"])) == status.CATALOG_NOT_SHARED.code
    assert check_usage(app, "U-001").allowed_type_codes == [gb_type_code(201)]
    licence.status = CatalogStatus.WITHDRAWN
    licence.save(update_fields=["status"])
    assert code_of(lambda: check_usage(app, "U-001")) == status.CATALOG_NOT_SHARED.code


def test_unpublished_list_is_not_found(live):
    _, app, id_card, _ = live
    draft = propose("U-002", [id_card])
    draft.applications.add(app)
    assert code_of(lambda: check_usage(app, "U-002")) == status.SCENARIO_NOT_FOUND.code


def test_queries_do_not_grow_with_the_list(live):
    scenario, app, *_ = live
    scenario.entries.add(*[PublishedEntryFactory() for _ in range(20)])
    scenario.published_entries.add(*scenario.entries.all())
    with CaptureQueriesContext(connection) as cold:
        check_usage(app, "U-001", [gb_type_code(111), gb_type_code(201)])
    with CaptureQueriesContext(connection) as warm:
        grant = check_usage(app, "U-001", [gb_type_code(111), gb_type_code(201)])
    # Cold: the registry generation, the list, its applications, its entries. Warm: the generation.
    assert len(cold) == 4
    assert len(warm) == 1
    assert grant.allowed_type_codes == [gb_type_code(111), gb_type_code(201)]
