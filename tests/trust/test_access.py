"""The checks before every call (7.3, 10.2) over real HTTP, through a probe behind the real view."""

import pytest
from django.utils import timezone

from trust.access import ACCESS_TOKEN, check_token, register_usage_check
from trust.models import ApplicationStatus
from trust.services import set_application_status

from ..catalog.factories import gb_type_code
from ..factories import ApplicationFactory, RegionFactory
from .factories import access_token, call, catalog_entry, holder_token, live_scenario
from .holders import PERSON

HK_CODE = gb_type_code(101)
MARRY_CODE = gb_type_code(102)
DRIVE_CODE = gb_type_code(103)
OLD_CODE = gb_type_code(104)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.trust.urls")]

PROBE = "/test/probe"


@pytest.fixture
def app_a():
    return ApplicationFactory(app_id="app-a")


@pytest.fixture
def app_b():
    return ApplicationFactory(app_id="app-b", region=RegionFactory(code="JS"))


def probe(http, app, params=None, *, token=None, **kw):
    return call(http, PROBE, params or {}, account=app.app_id, token=token, **kw)


# ---------------------------------------------------------------- access tokens
def test_valid_access_token_grants_the_application(http, app_a):
    answer = probe(http, app_a, token=access_token(app_a))
    assert answer.status == "0"
    assert answer.data == {"application": "app-a", "region": None, "holder": None, "usage": None}


@pytest.mark.parametrize(
    ("token", "code"),
    [(None, "2001"), ("", "2001"), ("yat_not-a-token", "2002"), ("x" * 500, "2002")],
)
def test_missing_or_unknown_access_token(http, app_a, token, code):
    answer = probe(http, app_a, token=token)
    assert (answer.http_status, answer.status) == (200, code)  # the refusal is head.status (12.1.2)
    assert answer.message  # Chinese message of the status table


def test_non_string_access_token_is_refused(http, app_a):
    answer = probe(http, app_a, head={"accessToken": {"nested": 1}})
    assert answer.status == "2002"


def test_expired_access_token(http, app_a):
    answer = probe(http, app_a, token=access_token(app_a, expired=True))
    assert (answer.http_status, answer.status) == (200, "2003")


def test_revoked_access_token(http, app_a):
    assert probe(http, app_a, token=access_token(app_a, revoked=True)).status == "2004"


def test_token_of_app_a_used_by_app_b(http, app_a, app_b):
    answer = probe(http, app_b, token=access_token(app_a))
    assert (answer.http_status, answer.status) == (200, "2005")


def test_suspended_application_cannot_call_even_with_a_token(http, app_a):
    token = access_token(app_a)
    set_application_status(app_a, ApplicationStatus.SUSPENDED, "检查")
    assert probe(http, app_a, token=token).status == "1011"


def test_access_token_check_is_one_query(app_a, django_assert_num_queries):
    token = access_token(app_a)
    with django_assert_num_queries(1):
        check_token(ACCESS_TOKEN, token, app_a, timezone.now())


# ---------------------------------------------------------------- holder tokens
def test_holder_token_grants_the_holder_decrypted_in_memory(http, app_a):
    answer = probe(http, app_a, {"trustedToken": holder_token(app_a)}, token=access_token(app_a))
    assert answer.status == "0"
    assert answer.data["holder"] == {"name": PERSON["name"], "codeType": "身份证", "code": PERSON["idCard"]}


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda app, other: "", "2011"),
        (lambda app, other: "yht_unknown", "2012"),
        (lambda app, other: holder_token(other), "2015"),
        (lambda app, other: holder_token(app, revoked=True), "2014"),
        (lambda app, other: holder_token(app, expired=True), "2013"),
    ],
    ids=["missing", "unknown", "foreign", "revoked", "expired"],
)
def test_holder_token_refusals(http, app_a, app_b, make, code):
    answer = probe(http, app_a, {"trustedToken": make(app_a, app_b)}, token=access_token(app_a))
    assert answer.status == code


def test_access_token_is_checked_before_the_holder_token(http, app_a, app_b):
    answer = probe(http, app_a, {"trustedToken": holder_token(app_b)}, token=access_token(app_b))
    assert answer.status == "2005"


# ---------------------------------------------------------------- 7.3 usage
@pytest.fixture
def scenario(app_a):
    entries = [catalog_entry(HK_CODE, "居民户口簿"), catalog_entry(MARRY_CODE, "结婚证")]
    return live_scenario("SCN-HOUSING", entries, [app_a])


def test_usage_grant_lists_the_allowed_types(http, app_a, scenario):
    answer = probe(http, app_a, {"itemCode": "SCN-HOUSING"}, token=access_token(app_a))
    assert answer.status == "0" and answer.data["usage"] == [HK_CODE, MARRY_CODE]
    narrowed = probe(http, app_a, {"itemCode": "SCN-HOUSING", "certificateType": "结婚证"}, token=access_token(app_a))
    assert narrowed.data["usage"] == [MARRY_CODE]


def test_scenario_list_the_app_is_not_associated_with(http, app_a, app_b, scenario):
    answer = probe(http, app_b, {"itemCode": "SCN-HOUSING"}, token=access_token(app_b))
    assert (answer.http_status, answer.status) == (200, "3003")


def test_unknown_and_not_yet_valid_scenario_lists(http, app_a):
    live_scenario("SCN-LATER", [catalog_entry(HK_CODE, "居民户口簿")], [app_a], valid=False)
    assert probe(http, app_a, {"itemCode": "SCN-NONE"}, token=access_token(app_a)).status == "3001"
    assert probe(http, app_a, {"itemCode": "SCN-LATER"}, token=access_token(app_a)).status == "3002"


def test_certificate_type_outside_the_list(http, app_a, scenario):
    catalog_entry(DRIVE_CODE, "机动车驾驶证")
    answer = probe(http, app_a, {"itemCode": "SCN-HOUSING", "certificateType": "机动车驾驶证"},
                   token=access_token(app_a))
    assert answer.status == "3004"


def test_catalog_entry_outside_its_share_window(http, app_a):
    live_scenario("SCN-OLD", [catalog_entry(OLD_CODE, "旧证照", shared=False), catalog_entry(HK_CODE, "居民户口簿")],
                  [app_a])
    answer = probe(http, app_a, {"itemCode": "SCN-OLD", "certificateType": "旧证照"}, token=access_token(app_a))
    assert (answer.http_status, answer.status) == (200, "3005")
    # Without naming it, the list still works for the entries that are shared.
    assert probe(http, app_a, {"itemCode": "SCN-OLD"}, token=access_token(app_a)).data["usage"] == [HK_CODE]


def test_token_is_checked_before_the_scenario_list(http, app_a, scenario):
    assert probe(http, app_a, {"itemCode": "SCN-HOUSING"}, token=access_token(app_a, expired=True)).status == "2003"


# ---------------------------------------------------------------- regions
def test_region_may_query_scenario_lists_without_an_access_token(http):
    RegionFactory(code="ZJ")
    answer = call(http, "/api/v1/scenarios/query", {"appId": "app-a"}, account="region-zj", key_name="region-ZJ")
    assert not answer.status.startswith("2"), answer


def test_region_may_not_call_other_endpoints(http):
    RegionFactory(code="AH")
    answer = call(http, PROBE, {}, account="region-ah", key_name="region-AH")
    assert (answer.http_status, answer.status) == (200, "2037")


def test_region_may_query_the_catalog_without_an_access_token(http):
    RegionFactory(code="SH")
    answer = call(http, "/api/v1/catalogs/query", {}, account="region-sh", key_name="region-SH")
    assert answer.status == "0", answer


def test_region_obtains_no_access_token_for_itself(http):
    """A region relays 12.2.1 for its applications (tests/trust/test_relay.py); its own account is no application."""
    RegionFactory(code="JS")
    params = {"appId": "region-js", "appSecret": "x", "corpName": "x", "corpCode": "x"}
    answer = call(http, "/api/v1/trust/apps/register", params, account="region-js", key_name="region-JS")
    assert (answer.http_status, answer.status) == (200, "2034")


def test_without_a_registered_usage_check_calls_under_a_list_fail_closed(http, app_a, scenario):
    from scenarios.usage import check_usage

    register_usage_check(None)
    try:
        answer = probe(http, app_a, {"itemCode": "SCN-HOUSING"}, token=access_token(app_a))
    finally:
        register_usage_check(check_usage)
    assert answer.status == "9001"
    assert "用证清单核验尚未启用" in answer.message


def test_a_view_that_declares_no_callers_serves_no_one(app_a):
    from trust.access import authorize
    from trust.parties import resolve_account
    from ysj_protocol.envelope import EnvelopeError

    region = RegionFactory(code="ZJ")
    for party in (resolve_account(app_a.app_id), resolve_account(region.account_id)):
        with pytest.raises(EnvelopeError):
            authorize(party=party, callers=frozenset(), requires_access_token=False, head={}, params={})
