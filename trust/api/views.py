"""Endpoints of 12.2: application registration, service-code verification, holder tokens."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema_view

from trust import services
from trust.envelope import CallContext, EnvelopeAPIView
from trust.envelope.schema import envelope_schema
from trust.grants import APPLICATIONS_DIRECT_OR_RELAYED
from trust.holders import ID_CARD, HolderIdentity
from trust.parties import APPLICATION, Party
from ysj_protocol import status as st

from .serializers import (
    AppRegisterParamsSerializer,
    AppRegisterResultSerializer,
    HolderTokenParamsSerializer,
    HolderTokenResultSerializer,
    ServiceCodeParamsSerializer,
    ServiceCodeResultSerializer,
)

TAGS = ["可信访问"]


class CodeMsgAnswerMixin:
    """Tables 9 and 11 answer ``code`` (1 success, 0 failure) and ``msg``: a refusal carries both
    the documented ``head.status`` code and, encrypted, ``{"code": 0, "msg": ..., "status": ...}``."""

    def answer(self, status: st.Status, data: dict[str, Any] | None, *, message: str | None = None) -> HttpResponse:
        if data is None and not status.ok:
            data = {"code": 0, "msg": message or status.message, "status": status.code}
        return super().answer(status, data, message=message)


@extend_schema_view(
    post=envelope_schema(
        summary="可信应用注册接口", section="12.2.1", params=AppRegisterParamsSerializer,
        result=AppRegisterResultSerializer, tags=TAGS,
        description=(
            "以平台分配的 appId/appSecret 与单位信息申领应用可信访问令牌。本接口不需要 head.accessToken；"
            "head.accountId 应与 appId 相同；由地区系统为本地区登记的应用系统转发时，head.accountId 为地区系统账号，"
            "令牌签发给 appId 所指的应用（非本地区应用返回 2038）。成功返回 code=1 与 accessToken、expiresAt，之后每次调用把令牌放在 "
            "head.accessToken。失败时 head.status 为对应状态码（2034 密钥错误、2035 单位不符、2032 已暂停、"
            "2033 已吊销、2036 appId 不符、2038 非本地区应用、2021 失败过多），应答体为 code=0 与 msg。"
        ),
    )
)
class AppRegisterView(CodeMsgAnswerMixin, EnvelopeAPIView):
    params_serializer_class = AppRegisterParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED
    requires_access_token = False  # the call that issues the access token

    def resolve_party(self, account_id: str) -> Party | None:
        # A suspended or revoked application is still answered (encrypted, code 0 and why).
        party = super().resolve_party(account_id)
        if party is not None and party.kind == APPLICATION:
            return dataclasses.replace(party, is_active=True)
        return party

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        params = ctx.params
        issued = services.register_application(
            account_id=ctx.account_id,
            app_id=params["appId"],
            app_secret=params["appSecret"],
            corp_name=params["corpName"],
            corp_code=params["corpCode"],
            ip=services.client_ip(ctx.request),
            relaying_region=ctx.grant.relaying_region,
        )
        return {
            "code": 1,
            "msg": "可信应用注册成功",
            "accessToken": issued.token,
            "expiresAt": services.format_time(issued.expires_at),
        }


@extend_schema_view(
    post=envelope_schema(
        summary="政务服务码验证服务接口", section="12.2.2", params=ServiceCodeParamsSerializer,
        result=ServiceCodeResultSerializer, tags=TAGS,
        description=(
            "解码长三角三省一市政务服务码（随申码、苏服码、安徽码、浙江电子证照码、上海电子证照二维码及条码、"
            "支付宝卡包身份证电子证照二维码、长三角证照二维码、电子营业执照小程序二维码），按签发地区登记的公钥验签，"
            "返回持证主体信息、可信身份信息令牌，以及码中所列、且属于 itemCode 用证清单的证照的十分钟有效标识。"
            "同一服务码只能验证一次。拒绝：4011 无法识别、4012 已过期、4013 签名不符、4014 已被使用。"
            "应答另含 holderNotice（本系统扩展，8.4）：向持证主体告知所列证照被获取的文字（照面编号已脱敏），"
            "应用系统应展示给持证主体；未列出任何证照时为空字符串。"
        ),
    )
)
class ServiceCodeVerifyView(EnvelopeAPIView):
    params_serializer_class = ServiceCodeParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        return services.verify_service_code(
            application=ctx.grant.application,
            qr_code=ctx.params["qrCode"],
            usage=ctx.grant.usage,
            work=ctx.work,
            params=ctx.params,
            relaying_region=ctx.grant.relaying_region,
            request_id=ctx.request_id,
        )


@extend_schema_view(
    post=envelope_schema(
        summary="申领自然人可信访问凭证", section="12.2.3", params=HolderTokenParamsSerializer,
        result=HolderTokenResultSerializer, tags=TAGS,
        description=(
            "完成自然人身份认证后申领持证主体可信访问令牌。认证方式 1、2 须带 idType=1 与 idNo（18 位居民身份证号码，"
            "校验码须正确；可为以本系统 SM2 公钥加密的十六进制密文），认证方式 3 须带 qrCode（政务服务码）。"
            "transactionId 在同一应用内唯一：重复申领返回 4021，不再签发第二个令牌。令牌与持证主体、申领应用及 "
            "permission 绑定，到期失效。permission 为以逗号分隔的操作（search、file、info）和/或用证清单编码，"
            "为空不作限制；超出授权范围的调用返回 2016。"
        ),
    )
)
class HolderTokenView(CodeMsgAnswerMixin, EnvelopeAPIView):
    params_serializer_class = HolderTokenParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        params = ctx.params
        application = ctx.grant.application
        fields = {
            "auth_type": params["authType"],
            "transaction_id": params["transactionId"],
            "permission": params.get("permission") or "",
            "location": params.get("location") or "",
        }
        if params["authType"] == "3":
            _, issued = services.redeem_holder_code(application=application, qr_code=params["qrCode"], **fields)
        else:
            holder = HolderIdentity(name=(params.get("name") or "").strip(), code_type=ID_CARD, code=params["idNo"])
            issued = services.issue_holder_token(application=application, holder=holder, **fields)
        return {
            "code": 1,
            "msg": "可信访问凭证申领成功",
            "trustedToken": issued.token,
            "expiresAt": services.format_time(issued.expires_at),
        }
