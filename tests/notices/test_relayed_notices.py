"""A province relaying its application's calls (12.1.2): the notice names the relaying region."""

from collections.abc import Iterator
from typing import Any

import pytest

from notices.models import HolderNotice
from ysj_protocol.client import EnvelopeClient, Peer

from ..keys import hub_key, key_for
from ..sharing.conftest import audit
from .factories import NOTICES

pytestmark = pytest.mark.django_db(transaction=True)

INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"


@pytest.fixture
def shanghai(hub: Any) -> Iterator[EnvelopeClient]:
    """Shanghai's system on its own account and key (the key its live region row is registered with)."""
    client = EnvelopeClient(
        Peer(base_url=hub.url, public_key=hub_key().public_key, name="hub"),
        account_id="region-sh",
        private_key=key_for("node-SH"),
        timeout=30,
    )
    yield client
    client.close()


def test_a_relayed_hand_out_and_listing_name_the_relaying_region(app, shanghai):
    assert app.session.application.region.code == "SH"
    head = {"accessToken": app.session.access_token}
    params = audit(trustedToken=app.session.trusted_token)
    answer = shanghai.call(INFO_BY_HOLDER, params, head=head, check=False)
    assert answer.ok, answer.message
    notice = HolderNotice.objects.get()
    assert notice.relaying_region.code == "SH"
    assert notice.application.app_id == "app-sharing"
    assert answer.data["holderNotice"] == notice.text
    listed = shanghai.call(NOTICES, params, head=head, check=False)
    assert listed.ok, listed.message
    assert [(n["appId"], n["relayingRegion"]) for n in listed.data["dataList"]] == [("app-sharing", "SH")]
