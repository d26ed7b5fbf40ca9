"""Hostile input at the record lists, their holder search and the dashboard's charts.

Logged-in staff are the callers, but the parameters are in addresses anyone can hand them (a
link in a mail, a bookmark edited by hand): every odd parameter gives the list (filtered to
nothing, or unfiltered) or a 4xx, never a 500, and writes nothing.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse

from .factories import application, auditor, integrate_log, served

pytestmark = pytest.mark.django_db

LISTS = [
    "admin:trust_envelopecall_changelist",
    "admin:sharing_retrieval_changelist",
    "admin:evidence_evidenceentry_changelist",
]

ODD_NUMBERS = ["１２", "²", "٣", "9" * 400, "-1", "0x10", "1e3", "1.5", "\x00", "%ff"]
ODD_DAYS = [
    "9999-12-31",
    "0001-01-01",
    "2026-13-01",
    "2026-02-30",
    "１２",
    "9" * 400,
    "\x00",
    "2026-01-01T00:00",
]


def row_counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    return {
        m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.db_table in tables
    }


@pytest.fixture
def staff(regions) -> Client:
    served(application("app-sh", "SH"), to_regions=[regions["SH"]])
    integrate_log()
    client = Client(raise_request_exception=False)
    client.force_login(auditor())
    return client


def _listed(response) -> None:
    """The list answered (or sent back to itself with Django's ``?e=1`` for an unknown filter)."""
    assert response.status_code in (200, 302), (response.status_code, response.content[:300])
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1"), response["Location"]


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_an_odd_page_cursor_lists_from_the_top(staff, name, value) -> None:
    before = row_counts()
    _listed(staff.get(reverse(name), {"after": value}))
    assert row_counts() == before


@pytest.mark.parametrize(
    "name", ["admin:trust_envelopecall_changelist", "admin:evidence_evidenceentry_changelist"]
)
@pytest.mark.parametrize("parameter", ["since", "until"])
@pytest.mark.parametrize("value", ODD_DAYS)
def test_an_odd_day_is_no_500(staff, name, parameter, value) -> None:
    _listed(staff.get(reverse(name), {parameter: value}))


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("q", "\x00"),
        ("q", "9" * 400),
        ("q", "１２３"),
        ("holder", "a" * 64 + "." + "b" * 64),
        ("holder", "\x00"),
        ("holder", "9" * 400),
        ("status", "\x00"),
        ("status", "9" * 400),
        ("region", "\x00"),
        ("region", "９"),
        ("biz_num", "\x00"),
        ("application", "9" * 400),
        ("request_id", "\ufffd"),
    ],
)
def test_odd_filter_values_are_no_500(staff, name, parameter, value) -> None:
    _listed(staff.get(reverse(name), {parameter: value}))


@pytest.mark.parametrize("name", LISTS)
def test_repeated_parameters_are_no_500(staff, name) -> None:
    _listed(
        staff.get(reverse(name) + "?after=5&after=x&status=0&status=1007&since=2026-01-01&since=x&q=a&q=b")
    )


@pytest.mark.parametrize("name", LISTS)
def test_the_csv_export_with_odd_parameters_is_no_500(staff, name) -> None:
    export = reverse(name).replace("/", "/", 1) + "export.csv"
    response = staff.get(export, {"after": "9" * 400, "until": "9999-12-31", "holder": "\x00"})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        b"".join(response.streaming_content)


# ---------------------------------------------------------------- the holder search form
@pytest.mark.parametrize(
    "number",
    [
        "",
        " ",
        "\x00",
        "１１０１０１１９９００３０７１２３４",
        "9" * 400,
        "-1",
        "0x10",
        "1e3",
        "x" * 100_000,
        "110101199003071234\x00",
        "\ufffd" * 18,
    ],
)
def test_the_holder_search_refuses_what_is_no_number(staff, number) -> None:
    listing = reverse("admin:sharing_retrieval_changelist")
    before = row_counts()
    response = staff.post(f"{listing}holder-search/", {"number": number})
    assert response.status_code == 302 and response["Location"] == listing, response.status_code
    assert row_counts() == before
    page = staff.get(listing).content.decode()
    assert "请输入完整的公民身份号码或统一社会信用代码" in page


def test_the_holder_search_with_invalid_utf8_an_enormous_body_or_repeats(staff, settings) -> None:
    search = reverse("admin:sharing_retrieval_changelist") + "holder-search/"
    form = "application/x-www-form-urlencoded"
    assert staff.post(search, data=b"number=%ff%fe%c3%28", content_type=form).status_code == 302
    assert staff.post(search, data=b"number=1&number=2", content_type=form).status_code == 302
    enormous = b"number=" + b"1" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = staff.post(search, data=enormous, content_type=form)
    assert response.status_code == 400 and "请求无法处理" in response.content.decode()
    for method in ("put", "delete"):
        assert getattr(staff, method)(search, data=b"number=1", content_type=form).status_code == 302


def test_the_holder_search_is_not_for_outsiders(regions) -> None:
    search = reverse("admin:sharing_retrieval_changelist") + "holder-search/"
    response = Client(raise_request_exception=False).post(search, {"number": "110101199003071234"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    # Without the form's token even a logged-in administrator is refused (403, in Chinese).
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(auditor("auditor-2"))
    response = client.post(search, {"number": "110101199003071234"})
    assert response.status_code == 403


# ---------------------------------------------------------------- the dashboard's charts
@pytest.mark.parametrize(
    "query", ["?hours=9999999999", "?since=9999-12-31&region=%00", "?hours=-1&hours=x", "?x=" + "9" * 4000]
)
def test_the_charts_ignore_any_query(staff, query) -> None:
    response = staff.get(reverse("dashboard:charts") + query)
    assert response.status_code == 200
    assert "9" * 4000 not in response.content.decode()


def test_a_post_to_the_charts_changes_nothing(staff) -> None:
    before = row_counts()
    response = staff.post(reverse("dashboard:charts"), {"hours": "1", "x": "\x00"})
    assert response.status_code == 200 and row_counts() == before
