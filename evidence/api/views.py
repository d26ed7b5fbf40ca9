from typing import Any

from drf_spectacular.utils import extend_schema_view

from trust.envelope import CallContext, EnvelopeAPIView
from trust.envelope.schema import envelope_schema
from trust.grants import CallerKind

from ..entries import entry_for_region
from .serializers import EntryParamsSerializer, EntryResultSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="存证条目获取接口",
        section="8.5、11.3",
        params=EntryParamsSerializer,
        result=EntryResultSerializer,
        description=(
            "地区系统取存证日志中一个条目的叶子数据原文（BASE64），以便对照检查点与包含证明（"
            "GET /evidence/proof/inclusion）自行核验。按 index 取任一条目；按 requestDigest 取本地区参与的"
            "一次调用（本系统对该地区的调用、或该地区对本系统的调用）的条目。序号超出日志、或未找到该摘要的"
            "条目返回 4041。仅地区系统账号可调用。"
        ),
        tags=["存证日志"],
    )
)
class EvidenceEntryView(EnvelopeAPIView):
    """An entry's exact leaf bytes, for a region checking the log (by index or by its call's digest)."""

    params_serializer_class = EntryParamsSerializer
    callers = frozenset({CallerKind.REGION})

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        return entry_for_region(grant=ctx.grant, params=ctx.params)
