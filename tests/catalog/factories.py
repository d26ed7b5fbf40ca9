"""Catalog entries with valid unified social credit codes."""

from __future__ import annotations

import random
from typing import Any

import factory

from catalog import services
from catalog.models import CatalogEntry
from ysj_protocol.identifiers import USCC_ALPHABET, uscc_check_char

from ..factories import no_delivery

#: A defining authority's code (公安部) for type codes built from a serial number.
DEFINING_AUTHORITY = "11100000000013127D"


def gb_type_code(serial: int, authority: str = DEFINING_AUTHORITY) -> str:
    """A GB/T 36902 type code: the defining authority's 18-character code and a 3-digit serial."""
    return f"{authority}{serial:03d}"


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
    type_code = factory.Sequence(lambda n: gb_type_code(n % 999 + 1, make_uscc(10_000 + n // 999)))
    authority_name = "测试主管部门"
    authority_code = factory.Sequence(make_uscc)
    related_item_name = factory.LazyAttribute(lambda o: f"{o.type_name}核发")
    related_item_code = factory.LazyAttribute(lambda o: f"ITEM-{o.type_code}")


class PublishedEntryFactory(CatalogEntryFactory):
    """An entry registered and published as the hub does it (``catalog.services``), outbox included.

    An entry already registered under the type code is returned as it is.
    """

    @classmethod
    def _create(cls, model_class: type[CatalogEntry], *args: Any, **kwargs: Any) -> CatalogEntry:
        existing = model_class.objects.filter(type_code=kwargs["type_code"]).first()
        if existing is not None:
            return existing
        entry = model_class(*args, **kwargs)
        with no_delivery():
            services.save_entry(entry, actor=None, reason="登记")
            services.publish_entry(entry, actor=None, reason="发布")
        entry.refresh_from_db()
        return entry
