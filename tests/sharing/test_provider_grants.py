"""The hub's side of the regions' trust proxy: each provider call carries the trust service's grant for it."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from sharing.caller import Caller
from sharing.regions import (
    FILE_PATH,
    INFO_PATH,
    PROBE_PARAMS,
    SEARCH_PATH,
    STATUS_PATH,
    Call,
    GrantScope,
    params_with_grant,
)
from trust.holders import HolderIdentity
from trust.keys import hub_public_key
from ysj_protocol import grants
from ysj_protocol.status import GRANT_EXCEEDED

from ..factories import ApplicationFactory, RegionFactory

pytestmark = pytest.mark.django_db

ID_CARD = "31010419850312257X"


def scope(**changes: object) -> GrantScope:
    values: dict = {"app_id": "app-g", "item_code": "SC-ALL", "type_codes": ("A1", "B2"), "biz_num": "BIZ-9"}
    return GrantScope(**{**values, **changes})


@pytest.mark.parametrize(
    ("path", "call"), [(SEARCH_PATH, "search"), (INFO_PATH, "info"), (FILE_PATH, "file"), (STATUS_PATH, "status")]
)
def test_each_provider_call_gets_a_grant_for_its_region_and_call(path, call):
    region = RegionFactory(code="JS")
    params = {"certificateRef": "REF-1"} if path != SEARCH_PATH else {"certificateTypeCodes": ["A1"]}
    sent = params_with_grant(Call(region, path, params, scope=scope(holder=("身份证", ID_CARD.lower()))))
    checked = grants.check(sent["grant"], hub_public_key(), region="JS", call=call)
    assert (checked.app_id, checked.item_code, checked.biz_num) == ("app-g", "SC-ALL", "BIZ-9")
    assert checked.type_codes == {"A1", "B2"}
    assert checked.names_holder("身份证", ID_CARD)
    assert checked.certificate_ref == ("REF-1" if path != SEARCH_PATH else "")
    assert 0 < checked.expires_at - checked.issued_at <= grants.MAX_LIFETIME
    assert abs(checked.issued_at - time.time()) < 5
    assert ID_CARD not in str(sent["grant"]) and ID_CARD.lower() not in str(sent["grant"])


def test_every_grant_has_its_own_nonce_and_the_holder_digest_changes_with_it():
    region = RegionFactory(code="SH")
    call = Call(region, SEARCH_PATH, {}, scope=scope(holder=("身份证", ID_CARD)))
    first, second = params_with_grant(call)["grant"], params_with_grant(call)["grant"]
    assert first["nonce"] != second["nonce"]
    assert first["holder"] != second["holder"]


def test_a_grant_for_one_region_is_refused_by_another():
    sent = params_with_grant(Call(RegionFactory(code="SH"), SEARCH_PATH, {}, scope=scope()))
    with pytest.raises(grants.GrantRefused) as refused:
        grants.check(sent["grant"], hub_public_key(), region="ZJ", call="search")
    assert refused.value.status is GRANT_EXCEEDED


def test_calls_without_a_scope_carry_no_grant_the_breaker_probe_among_them():
    """The probe asks nothing of anyone's: the region refuses it (2041), which still proves it answers."""
    assert "grant" not in params_with_grant(Call(RegionFactory(code="AH"), STATUS_PATH, dict(PROBE_PARAMS)))


def test_the_callers_scope_names_its_application_scenario_list_holder_and_relaying_region():
    application = ApplicationFactory(app_id="app-scope")
    usage = SimpleNamespace(allowed_type_codes=["B2", "A1"])
    caller = Caller(
        application=application,
        params={"itemCode": "SC-ID", "bizNum": "BIZ-7"},
        request_id="r",
        usage=usage,
        holder=HolderIdentity(name="张伟", code_type="身份证", code=ID_CARD),
        relaying_region=RegionFactory(code="ZJ"),
    )
    assert caller.grant_scope == GrantScope(
        app_id="app-scope", item_code="SC-ID", type_codes=("A1", "B2"), biz_num="BIZ-7",
        relaying_region="ZJ", holder=("身份证", ID_CARD),
    )
