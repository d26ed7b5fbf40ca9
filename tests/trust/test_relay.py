"""A province's system relays its application systems' calls (12.1.2; READING.md "Who calls whom").

Over real HTTP with the four reference nodes live: the region's account and key pair (the hub
answers encrypted to the region's public key), the application's access token in
``head.accessToken``, every check of 7.3 as for the application's direct call, a relay for
another region's application refused (2038), and the call records naming both parties.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sharing.regions import clients
from trust import services
from trust.models import AccessToken, ApplicationStatus, EnvelopeCall, HolderToken
from ysj_protocol.client import EnvelopeClient, Peer
from ysj_protocol.envelope import OpenedResponse
from ysj_protocol.records import SERVED

from ..factories import ApplicationFactory
from ..keys import hub_key, key_for
from ..sharing.conftest import AppCaller, audit, make_caller
from .factories import access_token, holder_token, registered_app
from .holders import PERSON

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = "/api/v1/certificates/search"
REGISTER = "/api/v1/trust/apps/register"
HOLDER_TOKENS = "/api/v1/trust/holder-tokens"
CATALOGS = "/api/v1/catalogs/query"


class Province:
    """A region's system calling the hub on its own account with its own key pair (12.1.2)."""

    def __init__(self, live_server: Any, code: str) -> None:
        self.code = code
        self.account_id = f"region-{code.lower()}"
        self.client = EnvelopeClient(
            Peer(base_url=live_server.url, public_key=hub_key().public_key, name="hub"),
            account_id=self.account_id,
            # The key the live node's region row is registered with (tests.regional.live_regions).
            private_key=key_for(f"node-{code}"),
            timeout=30,
        )

    def relay(self, path: str, params: dict[str, Any], access_token: str | None = None) -> OpenedResponse:
        head = {"accessToken": access_token} if access_token is not None else {}
        # The client opens the answer with the region's private key: it was encrypted to the region.
        return self.client.call(path, params, head=head, check=False)


@pytest.fixture
def sh_app(live_server: Any, live_regions: dict, settings: Any) -> Iterator[AppCaller]:
    """An application system registered under SH, with its scenario lists and tokens."""
    settings.YSJ_PUBLIC_BASE_URL = live_server.url
    caller = make_caller(live_server, "app-relay-sh")
    assert caller.session.application.region.code == "SH"
    yield caller
    caller.client.close()
    clients.close_all()


@pytest.fixture
def province(live_server: Any, live_regions: dict) -> Iterator[Any]:
    opened: list[Province] = []

    def open_province(code: str) -> Province:
        opened.append(Province(live_server, code))
        return opened[-1]

    yield open_province
    for each in opened:
        each.client.close()


def served(endpoint: str) -> list[EnvelopeCall]:
    return list(EnvelopeCall.objects.filter(direction=SERVED, endpoint=endpoint).order_by("id"))


def test_a_region_searches_for_its_own_application(sh_app: AppCaller, province: Any) -> None:
    shanghai = province("SH")
    params = audit(trustedToken=sh_app.session.trusted_token)
    answer = shanghai.relay(SEARCH, params, sh_app.session.access_token)
    assert answer.status == "0", answer.message
    types = sorted(item["certificateType"] for item in answer.data["dataList"])
    assert types == ["不动产权证书", "不动产权证书", "居民身份证", "机动车驾驶证"]
    # The record of the served call names the application and the relaying region.
    [record] = served(SEARCH)
    assert (record.account_id, record.relaying_region, record.status_code) == ("app-relay-sh", "SH", "0")
    # The fan-out's calls to the regions are the hub's own: no relaying region on them.
    made = EnvelopeCall.objects.exclude(direction=SERVED)
    assert made.count() == 4 and not made.exclude(relaying_region="").exists()
    # Direct calls of the application with its own key pair stay.
    assert sh_app.search().status == "0"
    direct = served(SEARCH)[-1]
    assert (direct.account_id, direct.relaying_region) == ("app-relay-sh", "")


def test_a_region_may_not_relay_for_another_regions_application(sh_app: AppCaller, province: Any) -> None:
    jiangsu = province("JS")
    params = audit(trustedToken=sh_app.session.trusted_token)
    answer = jiangsu.relay(SEARCH, params, sh_app.session.access_token)
    assert (answer.status, answer.data["status"]) == ("2038", "2038")
    assert "app-relay-sh" in answer.message
    [record] = served(SEARCH)
    assert (record.account_id, record.relaying_region, record.status_code) == ("app-relay-sh", "JS", "2038")
    # Told before the state of the token: an expired token of another region's application is still 2038.
    expired = access_token(sh_app.session.application, expired=True)
    assert jiangsu.relay(SEARCH, params, expired).status == "2038"


def test_a_relayed_call_is_checked_as_the_applications_own(sh_app: AppCaller, province: Any) -> None:
    shanghai = province("SH")
    application = sh_app.session.application
    # No access token: the region would be calling as itself.
    without = shanghai.relay(SEARCH, audit(trustedToken=sh_app.session.trusted_token))
    assert without.status == "2037" and "head.accessToken" in without.message
    assert served(SEARCH)[-1].relaying_region == ""  # no application named: the region's own record
    assert shanghai.relay(SEARCH, audit(trustedToken="x"), "yat_unknown").status == "2002"
    revoked = access_token(application, revoked=True)
    assert shanghai.relay(SEARCH, audit(trustedToken=sh_app.session.trusted_token), revoked).status == "2004"
    # The holder token must be the application's own (2015) and the list one it is associated with (3001).
    other = ApplicationFactory(app_id="app-relay-other")
    foreign_holder = shanghai.relay(SEARCH, audit(trustedToken=holder_token(other)), sh_app.session.access_token)
    assert foreign_holder.status == "2015"
    unknown_list = shanghai.relay(SEARCH, audit("SC-NONE", trustedToken=sh_app.session.trusted_token),
                                  sh_app.session.access_token)
    assert unknown_list.status == "3001"
    # A suspended application is refused as when it calls directly (1011), whoever relays it.
    services.set_application_status(application, ApplicationStatus.SUSPENDED, "违规调用")
    suspended = shanghai.relay(SEARCH, audit(trustedToken=sh_app.session.trusted_token), sh_app.session.access_token)
    assert suspended.status == "1011" and "app-relay-sh" in suspended.message
    # The published governance data is still the region's own call, recorded under its account.
    assert shanghai.relay(CATALOGS, {}).status == "0"
    assert served(CATALOGS)[-1].account_id == "region-sh"


def test_a_region_obtains_its_applications_access_token(live_regions: dict, province: Any) -> None:
    """12.2.1 relayed: appId and appSecret are the application's; the token is issued to it."""
    application, secret = registered_app("app-relay-register", region="SH")
    params = {"appId": application.app_id, "appSecret": secret, "corpName": application.corp_name,
              "corpCode": application.corp_code}
    shanghai = province("SH")
    answer = shanghai.relay(REGISTER, params)
    assert answer.status == "0" and answer.data["code"] == 1, answer.message
    token = answer.data["accessToken"]
    assert AccessToken.objects.get().application == application
    [record] = served(REGISTER)
    assert (record.account_id, record.relaying_region) == ("app-relay-register", "SH")
    # The token serves the relayed calls that follow: 12.2.3 issues the holder's token to the application.
    issued = shanghai.relay(HOLDER_TOKENS, {"transactionId": "T-RELAY-1", "authType": "2", "idType": 1,
                                            "idNo": PERSON["idCard"]}, token)
    assert issued.status == "0", issued.message
    assert HolderToken.objects.get().application == application
    assert served(HOLDER_TOKENS)[-1].relaying_region == "SH"
    # A wrong secret is refused as for the application itself.
    assert shanghai.relay(REGISTER, {**params, "appSecret": "wrong"}).status == "2034"


def test_a_region_obtains_no_token_for_another_regions_application(live_regions: dict, province: Any) -> None:
    application, secret = registered_app("app-relay-js", region="JS")
    params = {"appId": application.app_id, "appSecret": secret, "corpName": application.corp_name,
              "corpCode": application.corp_code}
    answer = province("SH").relay(REGISTER, params)
    assert (answer.status, answer.data["code"]) == ("2038", 0)
    assert not AccessToken.objects.exists()
    [record] = served(REGISTER)
    assert (record.account_id, record.relaying_region, record.status_code) == ("app-relay-js", "SH", "2038")
    # Its own region's system obtains it.
    assert province("JS").relay(REGISTER, params).status == "0"
