"""``POST /witness/add-checkpoint`` (C2SP tlog-witness): public, text in and out, no envelope.

No envelope and no caller authentication, as tlog-witness says: the checkpoint is trusted because
the hub signed it, and the answer is only a signature. The body is bounded before it is read.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from ysj_protocol.tlog import witness as protocol
from ysj_protocol.tlog.witness import WitnessRefusal

from . import services


def _refused(refusal: WitnessRefusal) -> HttpResponse:
    body, content_type = services.answer_of(refusal)
    return HttpResponse(body, status=refusal.http_status, content_type=content_type)


@csrf_exempt
def add_checkpoint(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        # Said as every other refusal here is (Django's own 405 is an empty body).
        return HttpResponseNotAllowed(
            ["POST"],
            "仅支持 POST 方法（tlog-witness add-checkpoint）\n",
            content_type="text/plain; charset=utf-8",
        )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > protocol.MAX_REQUEST_BYTES:
        return _refused(WitnessRefusal(400, "request body too large", kind=protocol.MALFORMED))
    body = request.read(protocol.MAX_REQUEST_BYTES + 1)
    if len(body) > protocol.MAX_REQUEST_BYTES:
        return _refused(WitnessRefusal(400, "request body too large", kind=protocol.MALFORMED))
    try:
        line = services.add_checkpoint(request=body)
    except WitnessRefusal as refusal:
        return _refused(refusal)
    return HttpResponse(line.encode("utf-8"), content_type="text/plain; charset=utf-8")
