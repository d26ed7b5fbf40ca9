import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema_view

from trust.envelope import CallContext, EnvelopeAPIView
from trust.envelope.schema import envelope_schema
from trust.grants import APPLICATIONS_DIRECT_OR_RELAYED
from trust.permissions import FILE, INFO, SEARCH
from ysj_protocol.client import REQUEST_ID_HEADER

from .. import downloads
from ..caller import caller_from
from ..files import file_by_holder, file_by_id
from ..info import info_by_holder, info_by_id
from ..search import search
from ..verification import verify
from .serializers import (
    CertificateIdParamsSerializer,
    FileByHolderParamsSerializer,
    FileByIdParamsSerializer,
    FileResultSerializer,
    HolderQueryParamsSerializer,
    InfoResultSerializer,
    SearchResultSerializer,
    VerifyParamsSerializer,
    VerifyResultSerializer,
)

TAGS = ["电子证照共享"]
#: The answers that hand certificates out carry the holder's notice (8.4), an extension of tables 4-7.
HOLDER_NOTICE_NOTE = (
    "应答另含 holderNotice（本系统扩展，8.4）：向持证主体告知本次调取的文字（照面编号已脱敏），"
    "应用系统应展示给持证主体；未交付任何证照时为空字符串。"
)


@extend_schema_view(
    post=envelope_schema(
        summary="电子证照检索服务接口", section="12.1.5", params=HolderQueryParamsSerializer,
        result=SearchResultSerializer, tags=TAGS,
        description="并行检索三省一市，一次性返回全部有效电子证照（8.2 b）。未应答的地区列于 unavailableRegions。",
    )
)
class CertificateSearchView(EnvelopeAPIView):
    params_serializer_class = HolderQueryParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED
    holder_operation = SEARCH

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        return search(caller=caller_from(ctx, needs_holder=True), work=ctx.work)


@extend_schema_view(
    post=envelope_schema(
        summary="基于证照标识下载证照文件服务接口", section="12.1.6", params=FileByIdParamsSerializer,
        result=FileResultSerializer, tags=TAGS,
        description="fileUrl 为本系统的短时有效、一次性签名下载地址（GET），由本系统从颁证地区流式转发文件。"
        + HOLDER_NOTICE_NOTE,
    )
)
class FileByIdView(EnvelopeAPIView):
    params_serializer_class = FileByIdParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        return file_by_id(caller=caller_from(ctx), work=ctx.work)


@extend_schema_view(
    post=envelope_schema(
        summary="基于持证主体下载证照文件服务接口", section="12.1.7", params=FileByHolderParamsSerializer,
        result=FileResultSerializer, tags=TAGS,
        description="fileUrl 为本系统的短时有效、一次性签名下载地址（GET），由本系统从颁证地区流式转发文件。"
        + HOLDER_NOTICE_NOTE,
    )
)
class FileByHolderView(EnvelopeAPIView):
    params_serializer_class = FileByHolderParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED
    holder_operation = FILE

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        return file_by_holder(caller=caller_from(ctx, needs_holder=True), work=ctx.work)


@extend_schema_view(
    post=envelope_schema(
        summary="基于证照标识获取证照信息服务接口", section="12.1.8", params=CertificateIdParamsSerializer,
        result=InfoResultSerializer, tags=TAGS, description="基于证照标识获取证照信息服务接口。" + HOLDER_NOTICE_NOTE,
    )
)
class InfoByIdView(EnvelopeAPIView):
    params_serializer_class = CertificateIdParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        return info_by_id(caller=caller_from(ctx), work=ctx.work)


@extend_schema_view(
    post=envelope_schema(
        summary="基于持证主体获取证照信息服务接口", section="12.1.9", params=HolderQueryParamsSerializer,
        result=InfoResultSerializer, tags=TAGS, description="基于持证主体获取证照信息服务接口。" + HOLDER_NOTICE_NOTE,
    )
)
class InfoByHolderView(EnvelopeAPIView):
    params_serializer_class = HolderQueryParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED
    holder_operation = INFO

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        return info_by_holder(caller=caller_from(ctx, needs_holder=True), work=ctx.work)


@extend_schema_view(
    post=envelope_schema(
        summary="电子证照文件核验服务接口", section="12.1.10", params=VerifyParamsSerializer,
        result=VerifyResultSerializer, tags=TAGS,
        description="核验文件签名内容的完整性、颁证地区登记公钥下的 SM2 签名，以及证照在颁证地区的当前状态。",
    )
)
class CertificateVerifyView(EnvelopeAPIView):
    params_serializer_class = VerifyParamsSerializer
    callers = APPLICATIONS_DIRECT_OR_RELAYED

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        return verify(caller=caller_from(ctx), work=ctx.work)


def _refusal(exc: downloads.DownloadRefused, request_id: str) -> HttpResponse:
    response = JsonResponse(
        {"status": exc.status.code, "message": exc.message},
        status=exc.status.http_status,
        json_dumps_params={"ensure_ascii": False},
    )
    response[REQUEST_ID_HEADER] = request_id
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # GET only: nothing to forge; other methods get 405, not a CSRF page
@require_GET
def download_file(request: HttpRequest, token: str) -> HttpResponse:
    """The signed download address of 12.1.6/12.1.7: the file streamed from its region.

    Refusals are JSON ``{"status", "message"}`` with the codes of the status table.
    """
    request_id = (request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex)[:64]
    try:
        opened = downloads.open_download(token, request_id=request_id)
    except downloads.DownloadRefused as exc:
        return _refusal(exc, request_id)
    response = StreamingHttpResponse(opened.chunks(), content_type=opened.content_type)
    if opened.size is not None:
        response["Content-Length"] = str(opened.size)
    response["Content-Disposition"] = f'attachment; filename="{opened.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response[REQUEST_ID_HEADER] = request_id
    return response
