from typing import Any

from drf_spectacular.utils import extend_schema_view

from sharing.holders import holder_key_of
from trust.envelope import CallContext, EnvelopeAPIView
from trust.envelope.schema import envelope_schema
from trust.grants import APPLICATIONS_DIRECT_OR_RELAYED
from trust.permissions import SEARCH
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError

from ..services import list_notices
from .serializers import HolderNoticesParamsSerializer, HolderNoticesResultSerializer


def _holder_key(ctx: CallContext) -> str:
    holder = ctx.grant.holder if ctx.grant is not None else None
    if holder is None:  # the access checks did not run: fail closed
        raise EnvelopeError(st.HOLDER_TOKEN_MISSING)
    return holder_key_of(holder)


@extend_schema_view(
    post=envelope_schema(
        summary="持证主体查询证照调取告知", section="8.4，本系统扩展", params=HolderNoticesParamsSerializer,
        result=HolderNoticesResultSerializer, tags=["持证主体告知"],
        description=(
            "应用系统凭持证主体可信身份信息令牌 trustedToken，为持证主体列出其电子证照被各应用系统调取的告知"
            "（12.1.6-12.1.9 与 12.2.2 每次交付证照时生成），按时间由近到远分页返回，照面编号已脱敏；只返回令牌所属持证主体的告知。"
            "令牌的 permission 须允许 search（或不限操作），且所列用证清单须包含 itemCode；否则返回 2016。"
            "缺少或无效的令牌返回 2011-2015，分页参数越界返回 1007。"
        ),
    )
)
class HolderNoticesView(EnvelopeAPIView):
    params_serializer_class = HolderNoticesParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED
    #: A listing tells which certificates of the holder exist and where they were used: what a
    #: search tells, never their contents; a token narrowed to file or info does not open it.
    holder_operation = SEARCH

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        return list_notices(holder_key=_holder_key(ctx), page_num=ctx.params["pageNum"], page_size=ctx.params["pageSize"])
