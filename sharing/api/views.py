from drf_spectacular.utils import extend_schema_view

from trust.envelope import EnvelopeAPIView
from trust.envelope.schema import envelope_schema

from .serializers import (
    CertificateIdParamsSerializer,
    FileResultSerializer,
    HolderQueryParamsSerializer,
    InfoResultSerializer,
    SearchResultSerializer,
    VerifyParamsSerializer,
    VerifyResultSerializer,
)

TAGS = ["电子证照共享"]


@extend_schema_view(
    post=envelope_schema(
        summary="电子证照检索服务接口", section="12.1.5", params=HolderQueryParamsSerializer,
        result=SearchResultSerializer, tags=TAGS,
        description="并行检索三省一市，一次性返回全部有效电子证照（8.2 b）。未应答的地区列于 unavailableRegions。",
    )
)
class CertificateSearchView(EnvelopeAPIView):
    params_serializer_class = HolderQueryParamsSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="基于证照标识下载证照文件服务接口", section="12.1.6", params=CertificateIdParamsSerializer,
        result=FileResultSerializer, tags=TAGS,
    )
)
class FileByIdView(EnvelopeAPIView):
    params_serializer_class = CertificateIdParamsSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="基于持证主体下载证照文件服务接口", section="12.1.7", params=HolderQueryParamsSerializer,
        result=FileResultSerializer, tags=TAGS,
    )
)
class FileByHolderView(EnvelopeAPIView):
    params_serializer_class = HolderQueryParamsSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="基于证照标识获取证照信息服务接口", section="12.1.8", params=CertificateIdParamsSerializer,
        result=InfoResultSerializer, tags=TAGS,
    )
)
class InfoByIdView(EnvelopeAPIView):
    params_serializer_class = CertificateIdParamsSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="基于持证主体获取证照信息服务接口", section="12.1.9", params=HolderQueryParamsSerializer,
        result=InfoResultSerializer, tags=TAGS,
    )
)
class InfoByHolderView(EnvelopeAPIView):
    params_serializer_class = HolderQueryParamsSerializer


@extend_schema_view(
    post=envelope_schema(
        summary="电子证照文件核验服务接口", section="12.1.10", params=VerifyParamsSerializer,
        result=VerifyResultSerializer, tags=TAGS,
        description="核验文件签名内容的完整性、颁证地区登记公钥下的 SM2 签名，以及证照在颁证地区的当前状态。",
    )
)
class CertificateVerifyView(EnvelopeAPIView):
    params_serializer_class = VerifyParamsSerializer
