"""A test-only endpoint behind the real access checks: it answers what ``ctx.grant`` holds."""

from django.urls import include, path
from rest_framework import serializers

from trust.envelope import CallContext, EnvelopeAPIView
from trust.grants import APPLICATIONS
from trust.permissions import SEARCH


class ProbeParams(serializers.Serializer):
    trustedToken = serializers.CharField(required=False, allow_blank=True)
    itemCode = serializers.CharField(required=False)
    certificateType = serializers.CharField(required=False, allow_blank=True)


class ProbeView(EnvelopeAPIView):
    params_serializer_class = ProbeParams
    callers = APPLICATIONS
    holder_operation = SEARCH  # a holder token's permission sees it as the search it stands for

    def handle(self, ctx: CallContext) -> dict:
        grant = ctx.grant
        holder, usage = grant.holder, grant.usage
        return {
            "application": grant.application.app_id if grant.application else None,
            "region": grant.region.code if grant.region else None,
            "holder": {"name": holder.name, "codeType": holder.code_type, "code": holder.code} if holder else None,
            "usage": sorted(usage.allowed_type_codes) if usage else None,
        }


urlpatterns = [
    path("test/probe", ProbeView.as_view()),
    path("", include("ysj_portal.urls")),
]
