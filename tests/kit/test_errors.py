"""Refusals are typed: the class by the code's group, the code, the provider's message and the
status table's meaning; a refusal is never sent again. Each is caused for real at the live hub."""

from __future__ import annotations

from typing import Any

import pytest

from regional_node.demo import DEMO_PERSON
from ysj_protocol import status as st
from ysj_protocol.app import AccessRefused, Client, EnvelopeRefused, Refused, ServiceRefused, UsageRefused
from ysj_protocol.crypto import sm2

from .conftest import PUBLISHED, demo_app, kit_client

pytestmark = pytest.mark.django_db(transaction=True)


def refused(call: Any) -> Refused:
    with pytest.raises(Refused) as caught:
        call()
    return caught.value


def test_refusals_are_typed_with_their_status_and_meaning(demo_hub: Any, client: Client) -> None:
    wrong_secret = kit_client(demo_hub.url, demo_app(), app_secret="not-the-secret", timeout=60)
    error = refused(wrong_secret.register)
    assert isinstance(error, AccessRefused) and error.status == st.APP_CREDENTIALS_INVALID.code
    assert error.meaning == st.APP_CREDENTIALS_INVALID.message and error.path.endswith("/apps/register")
    assert len(wrong_secret.attempts) == 1, "a refusal is not sent again"

    wrong_key = kit_client(
        demo_hub.url, demo_app(), provider_key=sm2.PrivateKey.generate().public_key, timeout=60
    )
    error = refused(wrong_key.register)
    assert isinstance(error, EnvelopeRefused) and error.status == st.DECRYPTION_FAILED.code

    holder = client.holder_token(id_no=DEMO_PERSON.code, name=DEMO_PERSON.name)
    unknown_list = client.case(
        use_for="测试", item_name="无", item_code="NO-SUCH-LIST", item_org="单位", operator="王五"
    )
    error = refused(lambda: unknown_list.search(holder.trusted_token))
    assert isinstance(error, UsageRefused) and error.status == st.SCENARIO_NOT_FOUND.code

    case = client.case(
        use_for="测试", item_name="演示", item_code=PUBLISHED[0], item_org="单位", operator="王五"
    )
    error = refused(lambda: case.info_by_id("not-a-certificate-id"))
    assert isinstance(error, ServiceRefused) and error.status == st.CERTIFICATE_ID_INVALID.code

    error = refused(lambda: case.search("HT-not-a-token"))
    assert isinstance(error, AccessRefused) and error.status == st.HOLDER_TOKEN_INVALID.code
    assert str(error).startswith(st.HOLDER_TOKEN_INVALID.code)

    found = case.search(holder.trusted_token)
    link = case.files_by_id(found.certificates[0].certificate_id, file_format="PDF").links[0]
    assert client.download(link.file_url).content.startswith(b"%PDF")
    error = refused(lambda: client.download(link.file_url))  # single use
    assert isinstance(error, ServiceRefused) and error.status == st.DOWNLOAD_LINK_INVALID.code
    assert error.http_status == st.DOWNLOAD_LINK_INVALID.http_status
    wrong_secret.close()
    wrong_key.close()
