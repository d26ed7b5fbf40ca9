"""Provider endpoints of the region (docs/region-protocol.md): search, info, file, status, and downloads."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ysj_protocol import profile
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError

from ...envelope import CallContext, NodeEnvelopeAPIView
from ...exchange import usage
from ...grants import require_certificate
from .. import files, service_codes, services
from ..models import Certificate, CertificateStatus
from .serializers import (
    CertificateRefSerializer,
    FileParamsSerializer,
    SearchParamsSerializer,
    StatusParamsSerializer,
)


class SearchView(NodeEnvelopeAPIView):
    """Valid certificates of a holder among the types of the scenario list (8.2)."""

    params_serializer_class = SearchParamsSerializer
    grant_call = "search"

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        params = ctx.params
        usage.check(params["audit"]["itemCode"], params["certificateTypeCodes"])
        found = services.search(
            params["holder"],
            params["certificateTypeCodes"],
            type_name=params["certificateType"],
            number=params["certificateNumber"],
        )
        services.record_disclosure("search", found, params["audit"], ctx.request_id)
        return profile.search_answer([services.summary(c) for c in found])


class InfoView(NodeEnvelopeAPIView):
    """The fields of tables 6 and 7, surface data included (8.3 b)."""

    params_serializer_class = CertificateRefSerializer
    grant_call = "info"

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        certificate = services.get_certificate(ctx.params["certificateRef"])
        require_certificate(ctx.grant, certificate)
        usage.check_certificate(ctx.params["audit"]["itemCode"], certificate.type_code, certificate.type_name)
        services.record_disclosure("info", [certificate], ctx.params["audit"], ctx.request_id)
        return services.details(certificate)


class FileView(NodeEnvelopeAPIView):
    """A single-use download address of the signed file, valid for NODE_TICKET_SECONDS."""

    params_serializer_class = FileParamsSerializer
    grant_call = "file"

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        certificate = services.get_certificate(ctx.params["certificateRef"])
        require_certificate(ctx.grant, certificate)
        usage.check_certificate(ctx.params["audit"]["itemCode"], certificate.type_code, certificate.type_name)
        current = certificate.effective_status()
        if current != CertificateStatus.VALID:
            raise EnvelopeError(
                st.CERTIFICATE_NOT_FOUND, f"该证照当前状态为{CertificateStatus(current).label}，不提供文件"
            )
        stored = services.ensure_file(certificate, ctx.params["fileFormat"])
        token, _ = services.issue_ticket(stored, ctx.params["audit"]["bizNum"])
        services.record_disclosure("file", [certificate], ctx.params["audit"], ctx.request_id)
        path = reverse("node-download", kwargs={"token": token})
        base = settings.NODE_PUBLIC_URL or ctx.request.build_absolute_uri("/").rstrip("/")
        return profile.file_ticket_answer(
            download_url=f"{base}{path}",
            file_format=stored.file_format,
            size=stored.size,
            sm3=stored.sm3,
            expires_in=settings.NODE_TICKET_SECONDS,
        )


class StatusView(NodeEnvelopeAPIView):
    """The certificate's current status, for file verification (12.1.10)."""

    params_serializer_class = StatusParamsSerializer
    grant_call = "status"

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        params = ctx.params
        if params["certificateRef"]:
            certificate = Certificate.objects.select_related("holder").filter(ref=params["certificateRef"]).first()
            if certificate is not None:
                require_certificate(ctx.grant, certificate)
        return profile.status_answer(
            services.status_of(
                ref=params["certificateRef"],
                number=params["certificateNumber"],
                type_code=params["certificateTypeCode"],
            )
        )


@require_GET
def download(request: HttpRequest, token: str) -> HttpResponse:
    """Stream the file of a valid ticket (plain GET, docs/region-protocol.md); the ticket is then spent."""
    stored = services.redeem_ticket(token)
    if stored is None:
        return _refusal(st.DOWNLOAD_LINK_INVALID)
    try:
        handle = files.open_file(stored.path)
    except FileNotFoundError:
        return _refusal(st.CERTIFICATE_NOT_FOUND, "证照文件不存在，请重新申请下载")
    response = FileResponse(
        handle,
        content_type=stored.content_type,
        as_attachment=True,
        filename=f"{stored.certificate.ref}.{stored.file_format.lower()}",
    )
    response["Content-Length"] = str(stored.size)
    response["X-Content-SM3"] = stored.sm3
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def issue_service_code(request: HttpRequest) -> HttpResponse:
    """Demo and test facility (``NODE_SERVICE_CODES=1``): a service code for one of our holders.

    Body: ``{"holderCode": ..., "codeType": optional, "ttlSeconds": optional, "withCertificates": bool}``.
    """
    if not settings.NODE_SERVICE_CODES:
        return _refusal(st.NOT_FOUND)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict) or not isinstance(body.get("holderCode"), str):
            raise ValueError
        ttl = body.get("ttlSeconds")
        if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl <= 0):
            raise ValueError
        code_type = body.get("codeType") or ""
        if not isinstance(code_type, str):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        return _refusal(
            st.INVALID_PARAMETERS, '应为 {"holderCode": 字符串, "codeType": 可选, "ttlSeconds": 可选正整数}'
        )
    try:
        issued = service_codes.issue_for(
            body["holderCode"],
            code_type=code_type,
            ttl_seconds=ttl,
            with_certificates=bool(body.get("withCertificates")),
        )
    except service_codes.IssueRefused as exc:
        return _refusal(st.INVALID_PARAMETERS, exc.reason)
    return JsonResponse(issued.answer(), json_dumps_params={"ensure_ascii": False})


def _refusal(status: st.Status, detail: str = "") -> JsonResponse:
    message = f"{status.message}：{detail}" if detail else status.message
    return JsonResponse(
        {"status": status.code, "message": message},
        status=status.http_status,
        json_dumps_params={"ensure_ascii": False},
    )
