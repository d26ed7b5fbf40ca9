from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema_view

from catalog.models import CatalogEntry
from scenarios.models import ScenarioList
from scenarios.payloads import scenario_item, shared_entries
from trust.envelope import CallContext, EnvelopeAPIView
from trust.envelope.schema import envelope_schema
from trust.grants import APPLICATIONS_AND_REGIONS
from trust.models import TrustedApplication
from trust.parties import APPLICATION
from ysj_protocol import status
from ysj_protocol.envelope import EnvelopeError

from .serializers import ScenarioQueryParamsSerializer, ScenarioQueryResultSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="用证清单获取接口",
        section="12.1.4",
        params=ScenarioQueryParamsSerializer,
        result=ScenarioQueryResultSerializer,
        description=(
            "查询已发布、在有效期内且与调用应用关联的用证清单（9 c），含首次发布时间（firstPublishTime）、最后更新时间"
            "（updateTime）与有效开始、失效结束时间（validStart、validEnd，结束时间为空表示长期有效）；"
            "dataList 列出当前处于共享期的证照目录。"
        ),
        tags=["证照目录与用证清单"],
    )
)
class ScenarioQueryView(EnvelopeAPIView):
    """12.1.4: the live lists associated with ``appId`` (9 c), valid now, with their shared types.

    An application system asks for itself; a region may ask for an application system of its
    own region (to configure it, 6.1 c). Two queries whatever the number of lists.
    """

    params_serializer_class = ScenarioQueryParamsSerializer
    callers = APPLICATIONS_AND_REGIONS  # a region configures the application systems of its own region

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        app_id = ctx.params["appId"]
        application = self._application(ctx, app_id)
        now = timezone.now()
        lists = (
            ScenarioList.objects.valid_at(now)
            .filter(applications=application)
            .order_by("code")
            .prefetch_related(
                Prefetch(
                    "published_entries",
                    queryset=CatalogEntry.objects.only("type_code", "type_name", "status", "share_start", "share_end"),
                )
            )
        )
        data = [scenario_item(scenario, shared_entries(scenario, now)) for scenario in lists]
        return {"total": len(data), "dataList": data}

    def _application(self, ctx: CallContext, app_id: str) -> TrustedApplication:
        party = ctx.party
        if getattr(party, "kind", None) == APPLICATION:
            if app_id != party.account_id:
                raise EnvelopeError(status.INVALID_PARAMETERS, "appId：只能查询调用方自身关联的用证清单")
            return party.application
        application = TrustedApplication.objects.filter(app_id=app_id).first()
        if application is None or application.region_id != getattr(party.region, "pk", None):
            raise EnvelopeError(status.INVALID_PARAMETERS, "appId：未登记或不属于调用地区")
        return application
