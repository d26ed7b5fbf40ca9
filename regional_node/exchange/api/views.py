"""The publication endpoint, the drill switch and the health check of the node."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ysj_protocol import status as st
from ysj_protocol.contrib.drf import envelope_response

from ... import drills
from ...envelope import CallContext, NodeEnvelopeAPIView
from ...keys import node_public_key
from .. import services
from .serializers import PublicationSerializer


class PublicationView(NodeEnvelopeAPIView):
    """Catalog and scenario-list publications from the hub (6.1 a), idempotent and ordered."""

    params_serializer_class = PublicationSerializer

    def validate_params(self, raw_params: dict[str, Any]) -> dict[str, Any]:
        validated = super().validate_params(raw_params)
        # The signature covers the fields exactly as sent; keep them for the check.
        self._raw_message = raw_params
        return validated

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        params = ctx.params
        message = {
            **self._raw_message,
            "publicationId": str(params["publicationId"]),
            "sequence": params["sequence"],
            "code": params["code"],
        }
        receipt = services.receive(message, raw=self._raw_message)
        return receipt.answer()


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def drill(request: HttpRequest) -> HttpResponse:
    """GET: the drill in force. POST {"delayMs": n, "malformed": mode}: set it. Only with NODE_DRILLS=1."""
    if not settings.NODE_DRILLS:
        return api_not_found(request)
    if request.method == "GET":
        state = drills.current()
        return _json(
            {"delayMs": state.delay_ms, "malformed": state.malformed, "modes": drills.MALFORMED_MODES}
        )
    if request.method != "POST":
        return _json({"status": st.METHOD_NOT_ALLOWED.code, "message": st.METHOD_NOT_ALLOWED.message}, 405)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError
        current = drills.current()
        delay = int(body.get("delayMs", current.delay_ms))
        mode = str(body.get("malformed", current.malformed))
    except (ValueError, TypeError):
        return _json(
            {
                "status": st.INVALID_PARAMETERS.code,
                "message": '演练参数应为 {"delayMs": 整数, "malformed": 模式}',
            },
            400,
        )
    if not 0 <= delay <= drills.MAX_DELAY_MS or mode not in drills.MALFORMED_MODES:
        return _json(
            {
                "status": st.INVALID_PARAMETERS.code,
                "message": f"delayMs 应在 0-{drills.MAX_DELAY_MS} 之间，malformed 应为 {'、'.join(drills.MALFORMED_MODES)} 之一",
            },
            400,
        )
    state = drills.store(drills.DrillState(delay_ms=delay, malformed=mode))
    return _json({"delayMs": state.delay_ms, "malformed": state.malformed})


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and identity: which region this is and the public key the hub must register."""
    return _json(
        {
            "status": "ok",
            "region": settings.NODE_REGION,
            "name": settings.NODE_REGION_NAME,
            "divisionCode": settings.NODE_DIVISION_CODE,
            "publicKey": node_public_key().hex(),
            "hubAccountId": settings.NODE_HUB_ACCOUNT_ID,
        }
    )


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    body = {"head": {"status": st.NOT_FOUND.code, "message": st.NOT_FOUND.message}}
    return envelope_response(body, st.NOT_FOUND.http_status)
