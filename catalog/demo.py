"""Demo catalog entries (for ``manage.py load_demo``): realistic certificate types, published.

Idempotent: entries are found by their type code; an entry already published is left as it is.
Authority codes are demo values with correct GB 32100 check characters, not real registrations.
"""

from __future__ import annotations

from django.db import transaction

from ysj_protocol.identifiers import uscc_check_char

from . import services
from .models import CatalogEntry, CatalogStatus, HolderType


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


# type code, type name, authority, authority code (first 17), holder type, related item name, related item code
ENTRIES = [
    ("11100000000013127D001", "居民身份证", "公安部", "11100000000013127", HolderType.NATURAL_PERSON,
     "居民身份证申领", "000104001000"),
    ("11100000000019713D001", "营业执照", "国家市场监督管理总局", "11100000MB0143028", HolderType.LEGAL_ENTITY,
     "企业设立登记", "000108001000"),
    ("11100000000013127D003", "机动车驾驶证", "公安部", "11100000000013127", HolderType.NATURAL_PERSON,
     "机动车驾驶证核发", "000104012000"),
    ("11100000000013338W001", "结婚证", "民政部", "11100000000013338", HolderType.NATURAL_PERSON,
     "内地居民婚姻登记", "000112003000"),
    ("11100000MB0160855T001", "不动产权证书", "自然资源部", "11100000MB0160855", HolderType.BOTH,
     "不动产登记", "000116001000"),
    ("11100000000019713D012", "食品经营许可证", "国家市场监督管理总局", "11100000MB0143028", HolderType.LEGAL_ENTITY,
     "食品经营许可", "000108020000"),
    ("11100000000013338W004", "社会团体法人登记证书", "民政部", "11100000000013338", HolderType.LEGAL_ENTITY,
     "社会团体成立登记", "000112010000"),
    ("11100000MB0142340W001", "出生医学证明", "国家卫生健康委员会", "11100000MB0142340", HolderType.NATURAL_PERSON,
     "出生医学证明签发", "000120001000"),
]


@transaction.atomic
def load() -> list[CatalogEntry]:
    loaded = []
    for code, name, authority, authority_code, holder, item_name, item_code in ENTRIES:
        entry = CatalogEntry.objects.filter(type_code=code).first()
        if entry is None:
            entry = CatalogEntry(
                type_code=code, type_name=name, authority_name=authority, authority_code=_uscc(authority_code),
                holder_type=holder, related_item_name=item_name, related_item_code=item_code,
            )
            services.save_entry(entry, actor=None, reason="演示数据")
        if entry.status != CatalogStatus.PUBLISHED:
            services.publish_entry(entry, actor=None, reason="演示数据发布")
        loaded.append(entry)
    return loaded
