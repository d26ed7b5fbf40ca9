"""The holder's listing reads one page and, only when needed, one count: whatever the number of notices."""

import pytest
from django.utils import timezone

from notices.models import HolderNotice
from notices.services import MAX_PAGE_SIZE, list_notices

from ..factories import ApplicationFactory

pytestmark = pytest.mark.django_db

HOLDER, OTHER = "a" * 64, "b" * 64


def _notices(holder_key: str, count: int) -> None:
    application = ApplicationFactory()
    HolderNotice.objects.bulk_create(
        HolderNotice(
            created_at=timezone.now(),
            holder_key=holder_key,
            kind="info_by_id",
            application=application,
            application_name=application.name,
            scenario_code="SC",
            biz_num=f"BIZ-{i}",
            text="【长三角电子证照】…",
        )
        for i in range(count)
    )


def test_a_full_page_costs_two_queries_and_a_short_first_page_one(django_assert_num_queries):
    _notices(HOLDER, 120)
    _notices(OTHER, 3)
    with django_assert_num_queries(2):
        page = list_notices(holder_key=HOLDER, page_num=2, page_size=MAX_PAGE_SIZE)
    assert page["total"] == 120 and len(page["dataList"]) == MAX_PAGE_SIZE
    assert page["dataList"][0]["bizNum"] == "BIZ-69"  # newest first: the second page starts at the 51st newest
    with django_assert_num_queries(1):
        short = list_notices(holder_key=OTHER)
    assert short["total"] == 3 and [n["bizNum"] for n in short["dataList"]] == ["BIZ-2", "BIZ-1", "BIZ-0"]


def test_the_page_size_is_bounded_by_the_service_too():
    _notices(HOLDER, MAX_PAGE_SIZE + 5)
    page = list_notices(holder_key=HOLDER, page_size=10_000)
    assert page["pageSize"] == MAX_PAGE_SIZE and len(page["dataList"]) == MAX_PAGE_SIZE
    assert list_notices(holder_key="")["dataList"] == []
