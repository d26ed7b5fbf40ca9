from typing import Any

from drf_spectacular.utils import extend_schema_view

from catalog.models import CatalogEntry
from catalog.payloads import catalog_item
from trust.envelope import CallContext, EnvelopeAPIView
from trust.envelope.schema import envelope_schema
from trust.grants import APPLICATIONS_AND_REGIONS

from .serializers import CatalogQueryParamsSerializer, CatalogQueryResultSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="证照目录获取接口",
        section="12.1.3",
        params=CatalogQueryParamsSerializer,
        result=CatalogQueryResultSerializer,
        description=(
            "查询已发布、共享期未结束的长三角电子证照共享目录，含首次发布时间（firstPublishTime）、最后更新时间"
            "（updateTime）与共享开始、结束时间（shareStart、shareEnd，结束时间为空表示长期共享）。共享开始时间"
            "晚于当前时间的目录照样列出，便于各方提前配置；共享开始前使用将被拒绝（3005）。"
        ),
        tags=["证照目录与用证清单"],
    )
)
class CatalogQueryView(EnvelopeAPIView):
    """12.1.3: the published catalog entries whose share window has not ended, in one query."""

    params_serializer_class = CatalogQueryParamsSerializer
    callers = APPLICATIONS_AND_REGIONS  # published governance data the regions jointly confirmed

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        entries = CatalogEntry.objects.listed_at().order_by("type_code")
        data = [catalog_item(entry) for entry in entries]
        return {"total": len(data), "dataList": data}
