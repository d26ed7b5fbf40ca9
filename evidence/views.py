"""Public endpoints of the log: the checkpoint (a signed note) and proofs (JSON, base64 hashes).

Public: they reveal the tree's size and hashes, nothing of an entry. Bad parameters answer 400
with a Chinese message, never 500.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes, renderer_classes
from rest_framework.renderers import BaseRenderer, JSONRenderer

from . import proofs


def _public_get(*renderers: type[BaseRenderer]):  # noqa: ANN202 - a view decorator
    """A public GET answer: no session, no permission, rendered by ``renderers``."""

    def decorate(view):  # noqa: ANN001, ANN202
        view = renderer_classes(list(renderers))(view)
        view = permission_classes([])(view)
        view = authentication_classes([])(view)
        return api_view(["GET"])(view)

    return decorate


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"message": message}, status=status, json_dumps_params={"ensure_ascii": False})


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-cache"
    return response


class _NoteRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        """Only DRF's own refusals (a method not allowed) come here: their Chinese detail, one line."""
        detail = data.get("detail", "") if isinstance(data, dict) else data
        return f"{detail}\n".encode()


@extend_schema(
    summary="存证日志最新检查点",
    description=(
        "C2SP tlog-checkpoint 格式的签名文本：日志标识（origin）、条目数、BASE64 的 SM3 根哈希、空行、本系统的 SM2 "
        "签名行，其后为各地区见证节点的联署行。公开：只透露条目数与根哈希。尚无检查点时返回 404。"
    ),
    responses={(200, "text/plain"): OpenApiTypes.STR, 404: OpenApiResponse(description="尚无检查点")},
    tags=["存证日志"],
)
@_public_get(_NoteRenderer, JSONRenderer)
def checkpoint(request) -> HttpResponse:
    """The latest checkpoint as a C2SP signed note: body, blank line, the hub's signature, the cosignatures."""
    text = proofs.latest_note()
    if text is None:
        return _error("存证日志尚无检查点", 404)
    return _no_store(HttpResponse(text.encode("utf-8"), content_type="text/plain; charset=utf-8"))


_PROOF_ERRORS = {400: OpenApiResponse(description="参数错误：{\"message\": 中文说明}")}


@extend_schema(
    summary="存证日志包含证明",
    description="RFC 9162 2.1.3.1 的审计路径（SM3），哈希为 BASE64；size 不能超过最新检查点的条目数。",
    parameters=[
        OpenApiParameter("index", OpenApiTypes.INT, required=True, description="条目序号（从 0 开始）"),
        OpenApiParameter("size", OpenApiTypes.INT, required=True, description="树的条目数（某一检查点的 size）"),
    ],
    responses={200: OpenApiTypes.OBJECT, **_PROOF_ERRORS},
    tags=["存证日志"],
)
@_public_get(JSONRenderer)
def inclusion_proof(request) -> HttpResponse:
    try:
        body = proofs.inclusion(index=request.GET.getlist("index"), size=request.GET.getlist("size"))
    except proofs.ProofRefused as exc:
        return _error(str(exc), 400)
    return _no_store(JsonResponse(body))


@extend_schema(
    summary="存证日志一致性证明",
    description="RFC 9162 2.1.4.1 的一致性证明（SM3），哈希为 BASE64；to 不能超过最新检查点的条目数。",
    parameters=[
        OpenApiParameter("from", OpenApiTypes.INT, required=True, description="旧树的条目数"),
        OpenApiParameter("to", OpenApiTypes.INT, required=True, description="新树的条目数"),
    ],
    responses={200: OpenApiTypes.OBJECT, **_PROOF_ERRORS},
    tags=["存证日志"],
)
@_public_get(JSONRenderer)
def consistency_proof(request) -> HttpResponse:
    try:
        body = proofs.consistency(old=request.GET.getlist("from"), new=request.GET.getlist("to"))
    except proofs.ProofRefused as exc:
        return _error(str(exc), 400)
    return _no_store(JsonResponse(body))
