"""The GB/T 36902 structure of the type code, checked when it is entered: it cannot change once published."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog import demo, services
from catalog.models import CatalogEntry, CatalogStatus, Publication, validate_type_code

from ..factories import all_regions, no_delivery
from .factories import CatalogEntryFactory, gb_type_code, make_uscc

pytestmark = pytest.mark.django_db

RULE = "证照类型代码应符合 GB/T 36902"


@pytest.mark.parametrize("code", [entry[0] for entry in demo.ENTRIES] + ["11100000000013338W032", gb_type_code(1)])
def test_codes_of_the_structure_are_accepted(code):
    validate_type_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "ABC-123",
        "111",
        "T000001",
        "11100000000013127D",  # the authority alone
        "11100000000013127D0001",  # four-digit serial
        "11100000000013127D00A",  # serial not digits
        "11100000000013127D000",  # serial 000
        "11100000000013127A001",  # wrong check character
        "11100000000013127I001",  # a letter GB 32100 does not use
        "",
    ],
)
def test_codes_outside_the_structure_are_refused_in_chinese(code):
    with pytest.raises(ValidationError) as refused:
        validate_type_code(code)
    assert RULE in refused.value.messages[0]
    assert refused.value.error_list[0].code == "invalid_type_code"


def test_registration_refuses_a_bad_code_and_normalises_case():
    with pytest.raises(ValidationError) as refused:
        services.save_entry(CatalogEntryFactory.build(type_code="ABC-123"), actor=None)
    assert RULE in str(refused.value.message_dict["type_code"])
    assert not CatalogEntry.objects.filter(type_code="ABC-123").exists()
    entry = CatalogEntryFactory.build(type_code=" 11100000000013338w032 ", related_item_code="ITEM-032")
    services.save_entry(entry, actor=None)
    assert CatalogEntry.objects.get(pk=entry.pk).type_code == "11100000000013338W032"


def test_a_draft_may_correct_its_code_but_not_to_a_bad_one():
    entry = CatalogEntryFactory()
    entry.type_code = "ABC-123"
    with pytest.raises(ValidationError):
        services.save_entry(entry, actor=None)
    entry.type_code = gb_type_code(77, make_uscc(77))
    services.save_entry(entry, actor=None)
    entry.refresh_from_db()
    assert entry.type_code == gb_type_code(77, make_uscc(77))


def test_an_entry_published_before_the_check_keeps_its_code_and_stays_editable():
    all_regions()
    entry = CatalogEntryFactory()
    with no_delivery():
        services.publish_entry(entry, actor=None)
    CatalogEntry.objects.filter(pk=entry.pk).update(type_code="LEGACY-01")  # a code from before the rule
    entry.refresh_from_db()
    entry.type_name = "旧代码证照"
    with no_delivery():
        services.save_entry(entry, actor=None, reason="更名")
        services.withdraw_entry(entry, actor=None, reason="停止共享")
        services.publish_entry(entry, actor=None, reason="恢复共享")
    entry.refresh_from_db()
    assert (entry.type_code, entry.type_name, entry.status) == ("LEGACY-01", "旧代码证照", CatalogStatus.PUBLISHED)
    assert Publication.objects.filter(code="LEGACY-01").count() == 3


def test_the_admin_shows_the_chinese_message_and_saves_nothing(client):
    root = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "Root-pass-1")
    client.force_login(root)
    data = {
        "type_name": "测试证照", "type_code": "ABC-123", "holder_type": "natural", "authority_name": "公安部",
        "authority_code": make_uscc(3), "related_item_name": "测试事项", "related_item_code": "ITEM-1",
        "share_start_0": "2026-01-01", "share_start_1": "00:00:00",
    }
    response = client.post(reverse("admin:catalog_catalogentry_add"), data)
    assert response.status_code == 200
    assert RULE in response.content.decode()
    assert not CatalogEntry.objects.exists()
    response = client.post(reverse("admin:catalog_catalogentry_add"), {**data, "type_code": gb_type_code(5)})
    assert response.status_code == 302
    assert CatalogEntry.objects.get().type_code == gb_type_code(5)


def test_the_admin_shows_a_published_code_read_only(client):
    root = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "Root-pass-1")
    client.force_login(root)
    all_regions()
    entry = CatalogEntryFactory()
    page = client.get(reverse("admin:catalog_catalogentry_change", args=[entry.pk])).content.decode()
    assert 'name="type_code"' in page
    with no_delivery():
        services.publish_entry(entry, actor=None)
    page = client.get(reverse("admin:catalog_catalogentry_change", args=[entry.pk])).content.decode()
    assert 'name="type_code"' not in page and entry.type_code in page
