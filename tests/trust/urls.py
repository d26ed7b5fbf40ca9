"""A test-only endpoint behind the real access checks: it answers what ``ctx.grants`` holds."""

from django.urls import include, path
from rest_framework import serializers

from trust.envelope import CallContext, EnvelopeAPIView


class ProbeParams(serializers.Serializer):
    trustedToken = serializers.CharField(required=False, allow_blank=True)
    itemCode = serializers.CharField(required=False)
    certificateType = serializers.CharField(required=False, allow_blank=True)


class ProbeView(EnvelopeAPIView):
    params_serializer_class = ProbeParams

    def handle(self, ctx: CallContext) -> dict:
        grants = ctx.grants
        holder = grants.get("holder")
        usage = grants.get("usage")
        return {
            "application": grants["application"].app_id if "application" in grants else None,
            "region": grants["region"].code if "region" in grants else None,
            "holder": {"name": holder.name, "codeType": holder.code_type, "code": holder.code} if holder else None,
            "usage": sorted(usage.allowed_type_codes) if usage else None,
        }


urlpatterns = [
    path("test/probe", ProbeView.as_view()),
    path("", include("ysj_portal.urls")),
]
