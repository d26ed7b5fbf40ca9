"""OpenAPI documentation of envelope endpoints: the decrypted business parameters and answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers

from ysj_protocol import status

ENVELOPE_NOTE = (
    '\n\n**信封**：请求体为 `{"head": {"accountId": ..., "accessToken": ...}, "encryptData": ...}`，'
    "其中 encryptData 是下列请求参数的 UTF-8 JSON（可再做 BASE64）以本系统 SM2 公钥加密的密文（C1C3C2，十六进制）。"
    '应答为 `{"head": {"status", "message"}, "encryptData"}`，encryptData 为下列应答参数以调用方公钥加密的密文。'
    "本文档中的请求与应答均为解密后的业务参数。"
)
#: Every ``head.status`` an endpoint may answer, generated from ``ysj_protocol.status``.
STATUS_NOTE = (
    '\n\n**状态码**：应答 head.status 为 "0" 表示成功，其余为下表之一，head.message 为其中文说明'
    "（可附具体原因）。除方法、内容类型、报文大小与接口不存在外，带 head 的应答 HTTP 状态为 200；"
    "部署设置为映射时使用表中的 HTTP 状态。\n\n" + status.markdown_table()
)


def envelope_schema(
    *,
    summary: str,
    section: str,
    params: type[serializers.Serializer] | None,
    result: type[serializers.Serializer] | None,
    description: str = "",
    tags: list[str] | None = None,
    examples: list[OpenApiExample] | None = None,
) -> Callable[[Any], Any]:
    return extend_schema(
        summary=f"{summary}（{section}）",
        description=(description or summary) + ENVELOPE_NOTE + STATUS_NOTE,
        request=params,
        responses={200: result},
        tags=tags,
        examples=examples or [],
        auth=[],
    )


# ---------------------------------------------------------------- the statuses of each endpoint
_ENVELOPE = (
    status.OK,
    status.MALFORMED_ENVELOPE,
    status.MISSING_ACCOUNT,
    status.UNKNOWN_ACCOUNT,
    status.BAD_HEX,
    status.DECRYPTION_FAILED,
    status.BAD_PLAINTEXT,
    status.INVALID_PARAMETERS,
    status.PAYLOAD_TOO_LARGE,
    status.METHOD_NOT_ALLOWED,
    status.UNSUPPORTED_MEDIA_TYPE,
    status.ACCOUNT_DISABLED,
    status.WRONG_CIPHERTEXT_ORDER,
    status.REGION_CALLER_NOT_ALLOWED,
    status.INTERNAL_ERROR,
)
_ACCESS = (
    status.ACCESS_TOKEN_MISSING,
    status.ACCESS_TOKEN_INVALID,
    status.ACCESS_TOKEN_EXPIRED,
    status.ACCESS_TOKEN_REVOKED,
    status.ACCESS_TOKEN_FOREIGN,
    status.REGION_RELAY_FOREIGN_APPLICATION,
)
_HOLDER = (
    status.HOLDER_TOKEN_MISSING,
    status.HOLDER_TOKEN_INVALID,
    status.HOLDER_TOKEN_EXPIRED,
    status.HOLDER_TOKEN_REVOKED,
    status.HOLDER_TOKEN_FOREIGN,
    status.HOLDER_PERMISSION_DENIED,
)
_USAGE = (
    status.SCENARIO_NOT_FOUND,
    status.SCENARIO_NOT_VALID,
    status.SCENARIO_NOT_ASSOCIATED,
    status.CERTIFICATE_TYPE_NOT_IN_SCENARIO,
    status.CATALOG_NOT_SHARED,
    status.NOT_IMPLEMENTED,
)
_BY_ID = (
    status.CERTIFICATE_ID_INVALID,
    status.CERTIFICATE_ID_EXPIRED,
    status.CERTIFICATE_ID_FOREIGN,
    status.CERTIFICATE_NOT_FOUND,
    status.REGION_UNAVAILABLE,
    status.CERTIFICATE_NOT_VALID,
)
_CODES = (
    status.SERVICE_CODE_INVALID,
    status.SERVICE_CODE_EXPIRED,
    status.SERVICE_CODE_FORGED,
    status.SERVICE_CODE_REPLAYED,
)
_REGISTER = (
    status.RATE_LIMITED,
    status.APP_SUSPENDED,
    status.APP_REVOKED,
    status.APP_CREDENTIALS_INVALID,
    status.APP_CORP_MISMATCH,
    status.APP_ID_MISMATCH,
    status.REGION_RELAY_FOREIGN_APPLICATION,
)
_BY_HOLDER = (*_ACCESS, *_HOLDER, *_USAGE, status.CERTIFICATE_NOT_FOUND, status.REGION_UNAVAILABLE)

#: Every ``head.status`` each endpoint can answer, by path under ``/api/v1/``: written down per
#: endpoint (``tests/kit/test_endpoint_statuses.py`` checks that every status the status-code
#: cases cause on an endpoint is listed for it), shown in ``/api/docs/`` by ``postprocess_statuses``.
ENDPOINT_STATUSES: dict[str, tuple[status.Status, ...]] = {
    "/api/v1/catalogs/query": (*_ENVELOPE, *_ACCESS),
    "/api/v1/scenarios/query": (*_ENVELOPE, *_ACCESS),
    "/api/v1/certificates/search": (*_ENVELOPE, *_BY_HOLDER),
    "/api/v1/certificates/file/by-id": (
        *_ENVELOPE,
        *_ACCESS,
        *_USAGE,
        *_BY_ID,
        status.HOLDER_PERMISSION_DENIED,
    ),
    "/api/v1/certificates/file/by-holder": (*_ENVELOPE, *_BY_HOLDER),
    "/api/v1/certificates/info/by-id": (
        *_ENVELOPE,
        *_ACCESS,
        *_USAGE,
        *_BY_ID,
        status.HOLDER_PERMISSION_DENIED,
    ),
    "/api/v1/certificates/info/by-holder": (*_ENVELOPE, *_BY_HOLDER),
    "/api/v1/certificates/verify": (*_ENVELOPE, *_ACCESS, *_USAGE, status.REGION_UNAVAILABLE),
    "/api/v1/trust/apps/register": (*_ENVELOPE, *_REGISTER),
    "/api/v1/trust/service-codes/verify": (*_ENVELOPE, *_ACCESS, *_USAGE, *_CODES),
    "/api/v1/trust/holder-tokens": (*_ENVELOPE, *_ACCESS, *_CODES, status.DUPLICATE_TRANSACTION),
    "/api/v1/trust/credentials/verify": _ENVELOPE,
    "/api/v1/holders/notices": (
        *_ENVELOPE,
        *_ACCESS,
        *_HOLDER,
        status.SCENARIO_NOT_FOUND,
        status.SCENARIO_NOT_VALID,
        status.SCENARIO_NOT_ASSOCIATED,
        status.CATALOG_NOT_SHARED,
        status.NOT_IMPLEMENTED,
    ),
    # An application system's call is answered 9001: the entries are the regions' to read.
    "/api/v1/evidence/entries": (*_ENVELOPE, status.EVIDENCE_ENTRY_NOT_FOUND, status.NOT_IMPLEMENTED),
}


def endpoint_statuses(path: str) -> list[status.Status]:
    """The statuses ``path`` can answer, in the table's order, each once."""
    listed = {s.code for s in ENDPOINT_STATUSES.get(path, _ENVELOPE)}
    return [s for s in status.all_statuses() if s.code in listed]


def postprocess_statuses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular hook: each envelope operation lists the statuses it can answer.

    In its description (a line before the full table) and as ``x-ysj-statuses`` (code, HTTP
    status, meaning) for tools.
    """
    for path, item in result.get("paths", {}).items():
        operation = item.get("post")
        if not path.startswith("/api/v1/") or not isinstance(operation, dict):
            continue
        statuses = endpoint_statuses(path)
        operation["x-ysj-statuses"] = [
            {"status": s.code, "httpStatus": s.http_status, "message": s.message} for s in statuses
        ]
        listed = "、".join(f"`{s.code}`" for s in statuses)
        marker = "\n\n**状态码**："
        description = operation.get("description", "")
        line = f"\n\n**本接口可能答复的状态码**：{listed}（含义与 HTTP 状态见下表）"
        operation["description"] = (
            description.replace(marker, line + marker, 1) if marker in description else description + line
        )
    return result
