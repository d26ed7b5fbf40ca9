"""Building blocks of the node tests: audit fields, hub-signed publications, a raw envelope poster."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

import httpx

from regional_node.demo import VALID, DemoCertificate, DemoHolder, certificates_of
from ysj_protocol.crypto import sm2
from ysj_protocol.profile import sign_publication

from ..keys import hub_key

ALL_TYPE_CODES = ["111", "112", "113", "114", "115", "311", "312", "313", "314"]
JSON_TYPE = "application/json; charset=utf-8"


def audit(**overrides: str) -> dict[str, str]:
    values = {
        "useFor": "办理户籍迁移",
        "itemName": "跨省户籍迁移",
        "itemCode": "YSJ-QD-0001",
        "itemOrg": "上海市徐汇区行政服务中心",
        "operator": "王晓",
        "bizNum": uuid.uuid4().hex,
        "appId": "app-0001",
    }
    values.update(overrides)
    return values


def search_params(holder: DemoHolder, type_codes: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "holder": holder.as_holder(),
        "certificateTypeCodes": type_codes or ALL_TYPE_CODES,
        "audit": audit(),
        **extra,
    }


def expected_valid(
    holder: DemoHolder, region: str, type_codes: list[str] | None = None
) -> list[DemoCertificate]:
    codes = set(type_codes or ALL_TYPE_CODES)
    return [c for c in certificates_of(holder, region) if c.status == VALID and c.type_code in codes]


def publication(
    sequence: int,
    code: str = "111",
    *,
    kind: str = "catalog",
    action: str = "publish",
    payload: dict[str, Any] | None = None,
    key: sm2.PrivateKey | None = None,
) -> dict[str, Any]:
    """A publication signed as the hub signs it (or by ``key``)."""
    if payload is None:
        payload = (
            {
                "certificateType": "居民身份证",
                "certificateTypeCode": code,
                "shareStart": "2024-01-01",
                "shareEnd": "",
            }
            if kind == "catalog"
            else {
                "itemName": "跨省户籍迁移",
                "itemCode": code,
                "dataList": [{"certificateType": "居民身份证", "certificateTypeCode": "111"}],
            }
        )
    message = {
        "publicationId": str(uuid.uuid4()),
        "sequence": sequence,
        "kind": kind,
        "action": action,
        "code": code,
        "publishedAt": "2025-03-01 09:30:00",
        "payload": payload,
    }
    message["signature"] = sign_publication(message, key or hub_key())
    return message


def post_raw(url: str, body: bytes | str, content_type: str = JSON_TYPE) -> httpx.Response:
    return httpx.post(
        url,
        content=body if isinstance(body, bytes) else body.encode("utf-8"),
        headers={"Content-Type": content_type},
        timeout=10.0,
    )


def post_json(url: str, body: Any) -> httpx.Response:
    return post_raw(url, json.dumps(body, ensure_ascii=False))


def next_sequence(node) -> int:
    """A sequence above everything the node already holds (the nodes outlive each test's hub database)."""
    with sqlite3.connect(node.data_dir / "node.sqlite3", timeout=10) as connection:
        (highest,) = connection.execute(
            "SELECT COALESCE(MAX(sequence), 0) FROM node_exchange_publication"
        ).fetchone()
    return highest + 1


def publish_scenario(
    node, item_code: str, type_codes: list[str], *, action: str = "publish", **window: str
) -> dict:
    """Publish a scenario list to ``node`` as the hub does; ``window``: validStart / validEnd."""
    payload = {
        "itemName": f"测试清单 {item_code}",
        "itemCode": item_code,
        "updateTime": "2025-03-01 09:30:00",
        "dataList": [{"certificateType": "", "certificateTypeCode": code} for code in type_codes],
        "validStart": window.get("validStart", ""),
        "validEnd": window.get("validEnd", ""),
    }
    message = publication(next_sequence(node), item_code, kind="scenario", action=action, payload=payload)
    with node.hub_client() as client:
        return client.call("/api/v1/publications", message).data
