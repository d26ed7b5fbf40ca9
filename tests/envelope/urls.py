"""A test-only endpoint that exercises the envelope with a real handler."""

from django.urls import include, path
from rest_framework import serializers

from trust.envelope import CallContext, EnvelopeAPIView
from trust.grants import APPLICATIONS
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError


class EchoParams(serializers.Serializer):
    name = serializers.CharField(max_length=20)
    count = serializers.IntegerField(min_value=0)
    bizNum = serializers.CharField(required=False)


class EchoView(EnvelopeAPIView):
    """Tokens are the trust service's tests; these tests are about the envelope alone."""

    params_serializer_class = EchoParams
    callers = APPLICATIONS
    requires_access_token = False

    def handle(self, ctx: CallContext) -> dict:
        if ctx.params["name"] == "boom":
            raise RuntimeError("secret internal detail")
        if ctx.params["name"] == "refuse":
            raise EnvelopeError(st.CERTIFICATE_NOT_FOUND)
        return {"echo": ctx.params["name"] * ctx.params["count"], "caller": ctx.party.account_id}


urlpatterns = [
    path("test/echo", EchoView.as_view()),
    path("", include("ysj_portal.urls")),
]
