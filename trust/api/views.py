from drf_spectacular.utils import extend_schema_view

from trust.envelope import EnvelopeAPIView
from trust.envelope.schema import envelope_schema

from .serializers import (
    AppRegisterParamsSerializer,
    AppRegisterResultSerializer,
    HolderTokenParamsSerializer,
    HolderTokenResultSerializer,
    ServiceCodeParamsSerializer,
    ServiceCodeResultSerializer,
)

TAGS = ["可信访问"]


@extend_schema_view(
    post=envelope_schema(
        summary="可信应用注册接口", section="12.2.1", params=AppRegisterParamsSerializer,
        result=AppRegisterResultSerializer, tags=TAGS,
        description="以平台分配的 appId/appSecret 与单位信息申领应用可信访问令牌。本接口不需要 head.accessToken。",
    )
)
class AppRegisterView(EnvelopeAPIView):
    params_serializer_class = AppRegisterParamsSerializer
    requires_access_token = False


@extend_schema_view(
    post=envelope_schema(
        summary="政务服务码验证服务接口", section="12.2.2", params=ServiceCodeParamsSerializer,
        result=ServiceCodeResultSerializer, tags=TAGS,
    )
)
class ServiceCodeVerifyView(EnvelopeAPIView):
    params_serializer_class = ServiceCodeParamsSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="申领自然人可信访问凭证", section="12.2.3", params=HolderTokenParamsSerializer,
        result=HolderTokenResultSerializer, tags=TAGS,
    )
)
class HolderTokenView(EnvelopeAPIView):
    params_serializer_class = HolderTokenParamsSerializer
