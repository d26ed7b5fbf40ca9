"""Catalog entries with valid unified social credit codes."""

from __future__ import annotations

import random

import factory
from django.utils import timezone

from catalog.models import CatalogEntry, CatalogStatus
from ysj_protocol.identifiers import USCC_ALPHABET, uscc_check_char


def make_uscc(seed: int | None = None) -> str:
    """A unified social credit code with a correct GB 32100 check character."""
    rng = random.Random(seed)
    body = "11" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(
        rng.choice(USCC_ALPHABET) for _ in range(9)
    )
    return body + uscc_check_char(body)


class CatalogEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogEntry
        django_get_or_create = ("type_code",)

    type_name = factory.Sequence(lambda n: f"测试证照{n}")
    type_code = factory.Sequence(lambda n: f"T{n:06d}")
    authority_name = "测试主管部门"
    authority_code = factory.Sequence(make_uscc)
    related_item_name = factory.LazyAttribute(lambda o: f"{o.type_name}核发")
    related_item_code = factory.LazyAttribute(lambda o: f"ITEM-{o.type_code}")


class PublishedEntryFactory(CatalogEntryFactory):
    status = CatalogStatus.PUBLISHED
    first_published_at = factory.LazyFunction(timezone.now)
