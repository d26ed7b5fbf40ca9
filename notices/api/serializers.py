"""Parameters and result of the holder's listing of notices (an extension of section 12)."""

from rest_framework import serializers

from trust.envelope.serializers import AuditFieldsSerializer, JSONIntegerField

from ..services import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

#: The answer field of 12.1.6-12.1.9 and 12.2.2 carrying the notice text (an extension of tables 4-7 and 10).
HOLDER_NOTICE_HELP = (
    "持证主体告知内容（本系统扩展，8.4）：本次调用向持证主体告知的文字，应用系统应展示给持证主体或以短信等方式送达；"
    "照面编号已脱敏。未交付任何证照时为空字符串"
)


class HolderNoticesParamsSerializer(AuditFieldsSerializer):
    trustedToken = serializers.CharField(max_length=256, help_text="持证主体可信身份信息令牌")
    pageNum = JSONIntegerField(required=False, default=1, min_value=1, max_value=100000, help_text="页码，从 1 开始，默认 1")
    pageSize = JSONIntegerField(
        required=False, default=DEFAULT_PAGE_SIZE, min_value=1, max_value=MAX_PAGE_SIZE,
        help_text=f"每页条数，1-{MAX_PAGE_SIZE}，默认 {DEFAULT_PAGE_SIZE}",
    )


class NoticeCertificateSerializer(serializers.Serializer):
    certificateType = serializers.CharField(help_text="证照类型名称")
    certificateTypeCode = serializers.CharField(help_text="证照类型代码")
    certificateNumber = serializers.CharField(help_text="证照照面编号（已脱敏）")
    regionCode = serializers.CharField(help_text="颁证地区代码")


class NoticeItemSerializer(serializers.Serializer):
    noticeTime = serializers.CharField(help_text="调取时间，yyyy-MM-dd HH:mm:ss")
    service = serializers.CharField(help_text="调取所用的服务接口")
    certificates = NoticeCertificateSerializer(many=True)
    appId = serializers.CharField(help_text="调取的应用系统标识")
    appName = serializers.CharField(help_text="调取的应用系统名称")
    relayingRegion = serializers.CharField(help_text="转发调用的地区代码；应用系统直接调用时为空")
    itemOrg = serializers.CharField(help_text="调用单位名称")
    operator = serializers.CharField(help_text="实际调用操作人员姓名")
    itemCode = serializers.CharField(help_text="用证清单编码")
    scenarioName = serializers.CharField(help_text="用证清单名称")
    itemName = serializers.CharField(help_text="场景或业务名称")
    useFor = serializers.CharField(help_text="查询事由")
    bizNum = serializers.CharField(help_text="调用涉及业务编号")
    noticeText = serializers.CharField(help_text="告知内容")


class HolderNoticesResultSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="该持证主体的告知总数")
    pageNum = serializers.IntegerField()
    pageSize = serializers.IntegerField()
    dataList = NoticeItemSerializer(many=True, help_text="按时间由近到远")


def holder_notice_field() -> serializers.CharField:
    """The ``holderNotice`` field of the answers of 12.1.6-12.1.9 and 12.2.2."""
    return serializers.CharField(help_text=HOLDER_NOTICE_HELP)
