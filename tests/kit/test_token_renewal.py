"""The access token is obtained and renewed inside the client (12.2.1).

The hub's token lifetime is shortened to a few seconds (``YSJ_ACCESS_TOKEN_TTL``); the tokens
really expire at the live hub. Renewed before expiry (within ``renew_margin``), or once after the
hub refused the call with 2003, the refused call then sent again; without an appSecret the
client cannot renew and the 2003 reaches the caller, typed.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from ysj_protocol.app import AccessRefused

from .conftest import demo_app, kit_client

pytestmark = pytest.mark.django_db(transaction=True)

REGISTER = "/api/v1/trust/apps/register"
CATALOGS = "/api/v1/catalogs/query"
TTL = 2


@pytest.fixture
def short_tokens(settings: Any, demo_hub: Any) -> Any:
    settings.YSJ_ACCESS_TOKEN_TTL = TTL
    return demo_hub


def test_an_expired_token_is_renewed_after_2003_and_the_call_sent_again(short_tokens: Any) -> None:
    with kit_client(short_tokens.url, demo_app(), timeout=60) as registering:
        first = registering.register()
    time.sleep(TTL + 1.2)  # the token expires at the hub
    # A token handed over without its expiry (kept by another process): only the hub can tell.
    with kit_client(short_tokens.url, demo_app(), access_token=first.access_token, timeout=60) as client:
        assert client.catalogs()
        second = client.access_token()
    assert second != first.access_token
    assert client.attempts == [(CATALOGS, "2003"), (REGISTER, "0"), (CATALOGS, "0")], client.attempts


def test_an_expired_token_is_renewed_before_the_call_when_its_expiry_is_known(short_tokens: Any) -> None:
    with kit_client(short_tokens.url, demo_app(), renew_margin=0, timeout=60) as client:
        first = client.register()
        time.sleep(TTL + 1.2)
        assert client.catalogs()
    assert client.access_token() != first.access_token
    assert client.attempts == [(REGISTER, "0"), (REGISTER, "0"), (CATALOGS, "0")]


def test_a_token_about_to_expire_is_renewed_before_the_call(short_tokens: Any) -> None:
    with kit_client(short_tokens.url, demo_app(), renew_margin=60, timeout=60) as client:
        client.catalogs()
        time.sleep(TTL / 2 + 0.3)  # into the second half of the token's life
        client.catalogs()
    # The second call finds the token about to expire: renewed first, never refused.
    assert client.attempts == [(REGISTER, "0"), (CATALOGS, "0"), (REGISTER, "0"), (CATALOGS, "0")]


def test_without_the_secret_the_expired_token_is_a_typed_refusal(short_tokens: Any) -> None:
    with kit_client(short_tokens.url, demo_app(), renew_margin=0, timeout=60) as registering:
        token = registering.register()
    time.sleep(TTL + 1.2)
    app = demo_app()
    with (
        kit_client(
            short_tokens.url, app, app_secret="", access_token=token.access_token, renew_margin=0, timeout=60
        ) as client,
        pytest.raises(AccessRefused) as refused,
    ):
        client.catalogs()
    assert refused.value.status == "2003"
    assert refused.value.meaning == "应用可信访问令牌已过期"
    assert client.attempts == [(CATALOGS, "2003")]
