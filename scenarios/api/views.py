from drf_spectacular.utils import extend_schema_view

from trust.envelope import EnvelopeAPIView
from trust.envelope.schema import envelope_schema

from .serializers import ScenarioQueryParamsSerializer, ScenarioQueryResultSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="用证清单获取接口",
        section="12.1.4",
        params=ScenarioQueryParamsSerializer,
        result=ScenarioQueryResultSerializer,
        description="查询已发布、在有效期内且与调用应用关联的用证清单（9 c）。",
        tags=["证照目录与用证清单"],
    )
)
class ScenarioQueryView(EnvelopeAPIView):
    params_serializer_class = ScenarioQueryParamsSerializer
