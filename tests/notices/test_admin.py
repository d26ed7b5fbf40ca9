"""The notices in the admin: read-only, filters by application, scenario list and time, masked numbers."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from notices.models import HolderNotice
from regional_node.demo import DEMO_PERSON

pytestmark = pytest.mark.django_db(transaction=True)

INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
CHANGELIST = "/admin/notices/holdernotice/"


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("notice-admin", "a@example.com", "pw-notice-admin")
    client.force_login(user)
    return client


def test_the_list_filters_and_shows_masked_numbers_only(app, staff):
    assert app.by_holder(INFO_BY_HOLDER).ok
    notice = HolderNotice.objects.get()
    response = staff.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "持证主体告知" in html and "BIZ-2024-0001" in html
    assert DEMO_PERSON.code not in html
    local = timezone.localtime(notice.created_at)  # the admin's date hierarchy is in the hub's time zone
    by_time = f"created_at__year={local.year}&created_at__month={local.month}&created_at__day={local.day}"
    for query in (f"application__id__exact={notice.application_id}", "scenario_code=SC-ALL", by_time):
        filtered = staff.get(f"{CHANGELIST}?{query}")
        assert filtered.status_code == 200 and "BIZ-2024-0001" in filtered.content.decode(), query
    assert "BIZ-2024-0001" not in staff.get(f"{CHANGELIST}?scenario_code=SC-ID").content.decode()
    detail = staff.get(f"{CHANGELIST}{notice.pk}/change/")
    assert detail.status_code == 200
    assert DEMO_PERSON.code not in detail.content.decode() and notice.certificates[0]["certificateNumber"] in detail.content.decode()


def test_nothing_can_be_added_changed_or_deleted(app, staff):
    assert app.by_holder(INFO_BY_HOLDER).ok
    notice = HolderNotice.objects.get()
    assert staff.get(f"{CHANGELIST}add/").status_code == 403
    assert staff.post(f"{CHANGELIST}{notice.pk}/delete/").status_code == 403
    assert staff.post(f"{CHANGELIST}{notice.pk}/change/", {"text": "changed"}).status_code == 403
    assert HolderNotice.objects.get().text == notice.text
