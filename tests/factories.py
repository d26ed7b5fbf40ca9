"""Factories for the registry: regions (rows of the parties' table) and application systems with their SM2 keys."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import factory

from catalog import outbox
from trust.models import Region, TrustedApplication
from ysj_protocol import regions

from .keys import key_for


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "SH"
    # Read from the table when the row is built, so a test may add a party to it.
    division_code = factory.LazyAttribute(lambda o: regions.BY_CODE[o.code].division_code)
    name = factory.LazyAttribute(lambda o: regions.BY_CODE[o.code].name)
    endpoint = factory.LazyAttribute(lambda o: f"http://127.0.0.1:9/{o.code.lower()}")
    account_id = factory.LazyAttribute(lambda o: f"region-{o.code.lower()}")
    public_key = factory.LazyAttribute(lambda o: key_for(f"region-{o.code}").public_key.hex())


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrustedApplication
        django_get_or_create = ("app_id",)

    app_id = factory.Sequence(lambda n: f"app-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"测试应用 {o.app_id}")
    region = factory.SubFactory(RegionFactory)
    corp_name = "上海市大数据中心"
    corp_code = "12310000MB2F32867X"
    public_key = factory.LazyAttribute(lambda o: key_for(o.app_id).public_key.hex())


def all_regions() -> list[Region]:
    """One row per party of the table, in its order."""
    return [RegionFactory(code=code) for code in regions.CODES]


@contextmanager
def no_delivery() -> Iterator[None]:
    """Publish through the services without a worker sending anything to the regions.

    The outbox rows are written as in production; only the queueing of their delivery, which
    would call regions that these tests do not run, is left out (a mock, named as such).
    """
    with mock.patch.object(outbox, "enqueue_delivery", lambda region_ids: None):
        yield
