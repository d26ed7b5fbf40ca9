"""Business parameters of 12.1.5-12.1.10 (tables 3-8, read as READING.md says)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notices.api.serializers import holder_notice_field
from trust.envelope.serializers import AuditFieldsSerializer
from ysj_protocol.profile import FILE_FORMATS
from ysj_protocol.regions import codes_text, parties_label


class HolderQueryParamsSerializer(AuditFieldsSerializer):
    """Tables 3, 5, 7: the holder's trusted token, optionally narrowed by type and number."""

    trustedToken = serializers.CharField(max_length=256, help_text="持证主体可信身份信息令牌")
    certificateType = serializers.CharField(max_length=128, required=False, allow_blank=True, help_text="证照类型名称")
    certificateNumber = serializers.CharField(max_length=128, required=False, allow_blank=True, help_text="证照照面编号")


class CertificateIdParamsSerializer(AuditFieldsSerializer):
    """Tables 4, 6: one certificate by its global ID (valid ten minutes)."""

    certificateID = serializers.CharField(max_length=256, help_text="证照全局唯一标识")

    def to_internal_value(self, data):
        # READING.md, table 10: ``certificateId`` is accepted for ``certificateID``.
        if isinstance(data, dict) and "certificateID" not in data and "certificateId" in data:
            data = {**data, "certificateID": data["certificateId"]}
        return super().to_internal_value(data)


FILE_FORMAT_HELP = (
    "文件格式 PDF 或 OFD，不区分大小写（本系统扩展，可选）；不填则每份证照返回 PDF 与 OFD 两个下载地址，"
    "total 为 dataList 的条数（下载地址数）"
)


class FileFormatField(serializers.ChoiceField):
    """``fileFormat``: PDF or OFD in any case (``pdf``, ``Ofd``), answered and used upper-case."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=list(FILE_FORMATS), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


class FileByIdParamsSerializer(CertificateIdParamsSerializer):
    """Table 4, plus the optional file format."""

    fileFormat = FileFormatField(required=False, help_text=FILE_FORMAT_HELP)


class FileByHolderParamsSerializer(HolderQueryParamsSerializer):
    """Table 5, plus the optional file format."""

    fileFormat = FileFormatField(required=False, help_text=FILE_FORMAT_HELP)


class SearchItemSerializer(serializers.Serializer):
    certificateID = serializers.CharField(help_text="证照全局唯一标识，十分钟有效")
    certificateType = serializers.CharField(help_text="证照类型名称")
    issueDept = serializers.CharField(help_text="颁证机关")
    certificateNumber = serializers.CharField(help_text="证照照面编号")
    issueDate = serializers.CharField(help_text="颁证日期，yyyy-MM-dd")


class SearchResultSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="记录数，即 dataList 的条数")
    dataList = SearchItemSerializer(many=True)
    unavailableRegions = serializers.ListField(
        child=serializers.CharField(), help_text=f"未能应答的地区代码（{codes_text('/')}）；为空表示{parties_label()}均已应答"
    )


class FileItemSerializer(serializers.Serializer):
    certificateType = serializers.CharField()
    issueDept = serializers.CharField()
    certificateNumber = serializers.CharField()
    issueDate = serializers.CharField(help_text="颁证日期，yyyy-MM-dd")
    fileFormat = serializers.CharField(help_text="OFD 或 PDF（大写）")
    fileUrl = serializers.CharField(help_text="文件下载地址（短时有效的签名地址）")


UNAVAILABLE_HELP = f"未能应答的地区代码（{codes_text('/')}）；为空表示{parties_label()}均已应答。仅基于持证主体的接口返回"


class FileResultSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="记录数，即 dataList 的条数：每份证照每种文件格式一条")
    dataList = FileItemSerializer(many=True)
    unavailableRegions = serializers.ListField(child=serializers.CharField(), required=False, help_text=UNAVAILABLE_HELP)
    holderNotice = holder_notice_field()


class InfoItemSerializer(serializers.Serializer):
    certificateType = serializers.CharField()
    certificateHolder = serializers.CharField(help_text="持证主体")
    certificateHolderCode = serializers.CharField(help_text="持证主体代码")
    certificateHolderType = serializers.CharField(help_text="持证主体代码类型：身份证 或 统一社会信用代码")
    issueDept = serializers.CharField()
    certificateNumber = serializers.CharField(help_text="证照照面编号")
    issueDate = serializers.CharField(help_text="颁证日期，yyyy-MM-dd")
    certificateValidateStart = serializers.CharField(help_text="证照有效期起始，yyyy-MM-dd")
    certificateValidateEnd = serializers.CharField(help_text="证照有效期截止，yyyy-MM-dd；为空表示长期有效")
    surface = serializers.JSONField(help_text="照面数据，按证照类型与地区而不同")
    certificateTypeCode = serializers.CharField(help_text="证照类型代码（本系统扩展）")


class InfoResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    dataList = InfoItemSerializer(many=True)
    unavailableRegions = serializers.ListField(child=serializers.CharField(), required=False, help_text=UNAVAILABLE_HELP)
    holderNotice = holder_notice_field()


@extend_schema_field(OpenApiTypes.STR)
class Base64TextField(serializers.Field):
    """A Base64 string of up to several MiB, checked without walking it character by character.

    ``CharField`` runs per-character validators in Python (surrogates), which costs most of a
    second on a 5 MiB file; Base64 is ASCII, so the decoder in the service is the real check.
    """

    default_error_messages = {  # noqa: RUF012 - DRF merges these per class
        "invalid": "应为字符串",
        "blank": "不能为空",
    }

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if not data or data.isspace():
            self.fail("blank")
        return data

    def to_representation(self, value: object) -> str:
        return str(value)


class VerifyParamsSerializer(AuditFieldsSerializer):
    fileEntity = Base64TextField(help_text="BASE64 编码的电子证照文件内容")
    fileFormat = FileFormatField(help_text="文件格式 PDF/OFD，不区分大小写")


class VerifyResultSerializer(serializers.Serializer):
    result = serializers.CharField(help_text="核验结果：1-成功 0-失败")
    reason = serializers.CharField(help_text="核验结论说明")
    regionCode = serializers.CharField(required=False, help_text="颁证地区代码（签名有效时返回）")
    certificateNumber = serializers.CharField(required=False, help_text="证照照面编号（签名有效时返回）")
    certificateStatus = serializers.CharField(
        required=False, help_text="颁证地区答复的证照当前状态：valid 有效、revoked 注销/吊销、expired 过期、unknown 未找到"
    )
    applicationId = serializers.CharField(
        required=False, help_text="对文件加水印并签名的应用系统 appId（11.4；本系统对表 12 的扩展，仅应用系统签名的文件返回）"
    )
    applicationSignedAt = serializers.CharField(required=False, help_text="应用系统签名时间，yyyy-MM-dd HH:mm:ss")
