"""The region registry in the admin: four regions, validated public keys, Chinese pages."""

import pytest
from django.urls import reverse

from trust.models import Region

from ..factories import all_regions
from ..keys import key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client):
    return admin_client


def form_data(**overrides) -> dict:
    data = {
        "code": "AH",
        "division_code": "340000",
        "name": "安徽省",
        "is_active": "on",
        "endpoint": "http://127.0.0.1:8104",
        "account_id": "region-ah",
        "hub_account_id": "",
        "timeout_seconds": "3.0",
        "public_key": key_for("region-form").public_key.hex().lower()[2:],
    }
    data.update(overrides)
    return data


def test_add_region_normalises_the_public_key(staff):
    response = staff.post(reverse("admin:trust_region_add"), form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    region = Region.objects.get(code="AH")
    assert region.public_key == key_for("region-form").public_key.hex()
    assert region.history.count() == 1


@pytest.mark.parametrize("bad", ["04" + "00" * 64, "hello", "04" + "AB" * 10])
def test_invalid_public_key_is_refused_with_a_chinese_message(staff, bad):
    response = staff.post(reverse("admin:trust_region_add"), form_data(public_key=bad))
    assert response.status_code == 200
    assert "不是合法的 SM2 公钥" in response.content.decode()
    assert not Region.objects.exists()


def test_list_and_change_pages_render_in_chinese(staff):
    all_regions()
    response = staff.get(reverse("admin:trust_region_changelist"))
    page = response.content.decode()
    assert response.status_code == 200
    for name in ("上海市", "江苏省", "浙江省", "安徽省"):
        assert name in page
    region = Region.objects.get(code="SH")
    change = staff.get(reverse("admin:trust_region_change", args=[region.pk])).content.decode()
    assert "SM2 公钥" in change and "私钥" in change  # the note that the private key is not stored


def test_call_records_are_read_only(staff):
    assert staff.get(reverse("admin:trust_envelopecall_changelist")).status_code == 200
    assert staff.get(reverse("admin:trust_envelopecall_add")).status_code == 403
