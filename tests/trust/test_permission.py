"""The holder's ``permission`` (12.2.3, table 11): its form, checked at issue time, enforced on every call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.utils import timezone

from regional_node.demo import DEMO_PERSON
from sharing.regions import clients
from trust import services
from trust.holders import HolderIdentity
from trust.models import AuthType, HolderToken
from trust.permissions import Permission, PermissionInvalid, normalise_permission, parse_permission

from ..sharing.conftest import ALL_TYPES, ID_CARD_ONLY, AppCaller, audit, make_caller
from .factories import access_token, call
from .holders import PERSON

SEARCH = "/api/v1/certificates/search"
INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
FILE_BY_HOLDER = "/api/v1/certificates/file/by-holder"
INFO_BY_ID = "/api/v1/certificates/info/by-id"
FILE_BY_ID = "/api/v1/certificates/file/by-id"
HOLDER_TOKENS = "/api/v1/trust/holder-tokens"


# ---------------------------------------------------------------- the form
@pytest.mark.parametrize(
    ("text", "operations", "item_codes"),
    [
        ("", set(), set()),
        ("   ", set(), set()),
        ("search", {"search"}, set()),
        ("search, info ,file", {"search", "info", "file"}, set()),
        ("SC-ALL", set(), {"SC-ALL"}),
        ("info，SC-ID,SC.2024_1", {"info"}, {"SC-ID", "SC.2024_1"}),
    ],
)
def test_the_form_of_permission(text: str, operations: set[str], item_codes: set[str]) -> None:
    assert parse_permission(text) == Permission(operations=frozenset(operations), item_codes=frozenset(item_codes))


@pytest.mark.parametrize("text", ["查询户口簿", "search,,info", "search,", "-SC", "SC ALL", "x" * 201])
def test_malformed_permission_is_refused(text: str) -> None:
    with pytest.raises(PermissionInvalid):
        parse_permission(text)


def test_permission_is_kept_in_one_form() -> None:
    assert normalise_permission(" SC-B，search,SC-A, search ") == "search,SC-A,SC-B"
    assert normalise_permission("") == ""


def test_each_axis_restricts_on_its_own() -> None:
    only_search = parse_permission("search")
    assert only_search.allows(operation="search", item_code="ANY")
    assert not only_search.allows(operation="info", item_code="ANY")
    # A view that names no operation is outside any permission restricting operations: fail closed.
    assert not only_search.allows(operation=None, item_code="ANY")
    only_list = parse_permission("SC-ID")
    assert only_list.allows(operation="file", item_code="SC-ID")
    assert not only_list.allows(operation="file", item_code="SC-ALL")
    assert Permission().allows(operation=None, item_code=None)


# ---------------------------------------------------------------- at issue time (12.2.3 over HTTP)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("permission", ["查询户口簿", "search,,info"])
def test_issuing_a_token_with_a_malformed_permission_is_1007_naming_the_field(http: httpx.Client,
                                                                            permission: str) -> None:
    from ..factories import ApplicationFactory

    application = ApplicationFactory(app_id="app-permission-issue")
    params = {"transactionId": "T-P1", "authType": "2", "idType": 1, "idNo": PERSON["idCard"],
              "permission": permission}
    answer = call(http, HOLDER_TOKENS, params, account=application.app_id, token=access_token(application))
    assert answer.status == "1007"
    assert "permission" in answer.message and "访问授权信息" in answer.message
    assert not HolderToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_valid_permission_is_stored_in_its_one_form(http: httpx.Client) -> None:
    from ..factories import ApplicationFactory

    application = ApplicationFactory(app_id="app-permission-issue")
    params = {"transactionId": "T-P2", "authType": "2", "idType": 1, "idNo": PERSON["idCard"],
              "permission": "SC-ID， search"}
    answer = call(http, HOLDER_TOKENS, params, account=application.app_id, token=access_token(application))
    assert answer.status == "0", answer
    assert HolderToken.objects.get().permission == "search,SC-ID"


# ---------------------------------------------------------------- on every call, with the regions live
@pytest.fixture
def caller(live_server: Any, live_regions: dict, settings: Any) -> Iterator[AppCaller]:
    settings.YSJ_PUBLIC_BASE_URL = live_server.url
    app_caller = make_caller(live_server, "app-permission")
    yield app_caller
    app_caller.client.close()
    clients.close_all()


def token_with(caller: AppCaller, permission: str) -> str:
    holder = HolderIdentity(name=DEMO_PERSON.name, code_type=DEMO_PERSON.code_type, code=DEMO_PERSON.code)
    return services.issue_holder_token(
        application=caller.session.application, holder=holder, auth_type=AuthType.ID_CARD, permission=permission
    ).token


def ask(caller: AppCaller, path: str, token: str, item_code: str = ALL_TYPES) -> Any:
    return caller.call(path, audit(item_code, trustedToken=token))


@pytest.mark.django_db(transaction=True)
def test_an_empty_permission_allows_every_operation_and_list(caller: AppCaller) -> None:
    token = token_with(caller, "")
    for path in (SEARCH, INFO_BY_HOLDER, FILE_BY_HOLDER):
        for item_code in (ALL_TYPES, ID_CARD_ONLY):
            answer = ask(caller, path, token, item_code)
            assert answer.status == "0", (path, item_code, answer.status, answer.message)


@pytest.mark.django_db(transaction=True)
def test_calls_within_the_permission_are_allowed(caller: AppCaller) -> None:
    token = token_with(caller, "search,info,SC-ID")
    searched = ask(caller, SEARCH, token, ID_CARD_ONLY)
    assert searched.status == "0", searched.message
    assert [item["certificateType"] for item in searched.data["dataList"]] == ["居民身份证"]
    assert ask(caller, INFO_BY_HOLDER, token, ID_CARD_ONLY).status == "0"


@pytest.mark.django_db(transaction=True)
def test_calls_outside_the_permission_are_refused_with_2016(caller: AppCaller) -> None:
    token = token_with(caller, "search,info,SC-ID")
    other_operation = ask(caller, FILE_BY_HOLDER, token, ID_CARD_ONLY)
    assert (other_operation.status, other_operation.data) == ("2016", {"status": "2016",
                                                                       "message": other_operation.message})
    assert "info、search" in other_operation.message
    other_list = ask(caller, SEARCH, token, ALL_TYPES)
    assert other_list.status == "2016"
    assert "SC-ID" in other_list.message and ALL_TYPES in other_list.message
    # Lists alone: every operation under the named list, none under another.
    by_list = token_with(caller, ALL_TYPES)
    assert ask(caller, FILE_BY_HOLDER, by_list, ALL_TYPES).status == "0"
    assert ask(caller, SEARCH, by_list, ID_CARD_ONLY).status == "2016"


@pytest.mark.django_db(transaction=True)
def test_the_permission_is_checked_after_the_token_itself(caller: AppCaller) -> None:
    """An expired or foreign token is told as such (2013, 2015), not as outside its permission."""
    token = token_with(caller, "info")
    HolderToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert ask(caller, SEARCH, token).status == "2013"


@pytest.mark.django_db(transaction=True)
def test_a_permission_stored_in_another_form_allows_nothing(caller: AppCaller) -> None:
    """Tokens issued before the form was checked may hold free text: what it allows cannot be told."""
    token = token_with(caller, "")
    HolderToken.objects.update(permission="查询户口簿")
    answer = ask(caller, SEARCH, token)
    assert answer.status == "2016" and "重新申领" in answer.message


@pytest.mark.django_db(transaction=True)
def test_calls_by_certificate_id_are_held_to_the_permission_of_the_search(caller: AppCaller) -> None:
    """A certificateID found with a token allowing only ``search`` opens neither the certificate's
    file (12.1.6) nor its information (12.1.8); ``file`` and ``info`` open each on its own."""

    def by_id(path: str, certificate_id: str) -> Any:
        return caller.call(path, audit(ID_CARD_ONLY, certificateID=certificate_id))

    for permission, allowed in (("search", set()), ("search,file", {FILE_BY_ID}), ("search,info", {INFO_BY_ID}),
                                ("", {FILE_BY_ID, INFO_BY_ID})):
        searched = ask(caller, SEARCH, token_with(caller, permission), ID_CARD_ONLY)
        assert searched.status == "0", searched.message
        (found,) = searched.data["dataList"]
        for path in (FILE_BY_ID, INFO_BY_ID):
            answer = by_id(path, found["certificateID"])
            if path in allowed:
                assert answer.status == "0", (permission, path, answer.message)
            else:
                assert answer.status == "2016", (permission, path, answer.status, answer.message)
