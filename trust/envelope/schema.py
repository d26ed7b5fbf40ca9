"""OpenAPI documentation of envelope endpoints: the decrypted business parameters and answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers

from ysj_protocol import status

ENVELOPE_NOTE = (
    "\n\n**信封**：请求体为 `{\"head\": {\"accountId\": ..., \"accessToken\": ...}, \"encryptData\": ...}`，"
    "其中 encryptData 是下列请求参数的 UTF-8 JSON（可再做 BASE64）以本系统 SM2 公钥加密的密文（C1C3C2，十六进制）。"
    "应答为 `{\"head\": {\"status\", \"message\"}, \"encryptData\"}`，encryptData 为下列应答参数以调用方公钥加密的密文。"
    "本文档中的请求与应答均为解密后的业务参数。"
)
#: Every ``head.status`` an endpoint may answer, generated from ``ysj_protocol.status``.
STATUS_NOTE = (
    "\n\n**状态码**：应答 head.status 为 \"0\" 表示成功，其余为下表之一，head.message 为其中文说明"
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
