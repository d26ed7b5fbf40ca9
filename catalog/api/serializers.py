"""Business parameters of 12.1.3 (table 1, read as READING.md says)."""

from rest_framework import serializers


class CatalogQueryParamsSerializer(serializers.Serializer):
    """12.1.3 takes no input parameters; an empty JSON object is sent."""


class CatalogEntryOutSerializer(serializers.Serializer):
    certificateType = serializers.CharField(help_text="证照类型名称")
    certificateTypeCode = serializers.CharField(help_text="证照类型代码")
    updateTime = serializers.CharField(help_text="证照类型更新时间，yyyy-MM-dd HH:mm:ss")
    certificateDefineAuthorityName = serializers.CharField(help_text="证照主管部门名称")
    certificateDefineAuthorityCode = serializers.CharField(help_text="证照主管部门统一社会信用代码")
    relatedItemName = serializers.CharField(help_text="相关事项名称")
    relatedItemCode = serializers.CharField(help_text="相关事项代码")
    firstPublishTime = serializers.CharField(help_text="证照目录首次发布时间，yyyy-MM-dd HH:mm:ss（6.2 b）")
    shareStart = serializers.CharField(help_text="共享开始时间，yyyy-MM-dd HH:mm:ss（6.2 c）")
    shareEnd = serializers.CharField(help_text="共享结束时间，yyyy-MM-dd HH:mm:ss；为空表示长期共享（6.2 c）")


class CatalogQueryResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    dataList = CatalogEntryOutSerializer(many=True)
