"""``POST /api/v1/trust/credentials/verify``: the online check of the regions' trust proxies (10.1 d, 10.2 b).

A region's system asks, before answering one of its own application systems, whether the access
token or holder token that application presents is valid, for whom, under which permission and
until when. Open to region accounts only.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_view
from rest_framework import serializers

from trust import credentials
from trust.envelope import CallContext, EnvelopeAPIView
from trust.envelope.schema import envelope_schema
from trust.grants import CallerKind

#: The regions' systems only.
REGIONS_ONLY = frozenset({CallerKind.REGION})


class CredentialVerifyParamsSerializer(serializers.Serializer):
    accessToken = serializers.CharField(
        max_length=512, required=False, allow_blank=True, default="", help_text="应用可信访问令牌（与 trustedToken 二选一）"
    )
    trustedToken = serializers.CharField(
        max_length=512, required=False, allow_blank=True, default="", help_text="持证主体可信身份信息令牌（与 accessToken 二选一）"
    )


class CredentialVerifyResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField(help_text="令牌当前是否有效")
    tokenType = serializers.CharField(help_text="access：应用可信访问令牌；holder：持证主体可信身份信息令牌")
    reason = serializers.CharField(help_text="无效的原因；有效时为空")
    appId = serializers.CharField(required=False, help_text="令牌签发给的应用")
    permission = serializers.CharField(
        required=False, help_text="授权范围：应用令牌为 application，持证主体令牌为申领时的 permission（空为不限）"
    )
    issuedAt = serializers.CharField(required=False)
    expiresAt = serializers.CharField(required=False, help_text="令牌有效期至")
    holderKey = serializers.CharField(required=False, help_text="持证主体摘要（本系统密钥计算，不含证件号码）")
    holderCodeType = serializers.CharField(required=False)
    holderCodeMasked = serializers.CharField(required=False, help_text="脱敏的证件号码")


@extend_schema_view(
    post=envelope_schema(
        summary="可信访问凭证核验接口", section="10.1 d、10.2 b", params=CredentialVerifyParamsSerializer,
        result=CredentialVerifyResultSerializer, tags=["可信访问"],
        description=(
            "供三省一市电子证照管理系统（地区账号）在响应本地区应用系统的请求前，向共享可信服务核验其出示的"
            "应用可信访问令牌（accessToken）或持证主体可信身份信息令牌（trustedToken），二者给出其一。"
            "返回令牌是否有效、签发给哪个应用、持证主体（摘要与脱敏号码）、授权范围（permission）与有效期。"
            "只能核验本地区登记的应用的令牌，其他令牌一律答复无效。"
        ),
    )
)
class CredentialVerifyView(EnvelopeAPIView):
    params_serializer_class = CredentialVerifyParamsSerializer
    callers = REGIONS_ONLY

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        kind, token = credentials.require_one_token(ctx.params)
        return credentials.check_credential(region=ctx.grant.region, kind=kind, token=token)
