"""Business parameters of 12.1.4 (table 2, read as READING.md says: appId in, lists out)."""

from rest_framework import serializers


class ScenarioQueryParamsSerializer(serializers.Serializer):
    appId = serializers.CharField(max_length=64, help_text="应用标识")


class ScenarioCertificateTypeSerializer(serializers.Serializer):
    certificateType = serializers.CharField(help_text="证照类型名称")
    certificateTypeCode = serializers.CharField(help_text="证照类型代码")


class ScenarioOutSerializer(serializers.Serializer):
    itemName = serializers.CharField(help_text="场景或业务名称")
    itemCode = serializers.CharField(help_text="场景或业务编号")
    updateTime = serializers.CharField(help_text="场景更新时间，yyyy-MM-dd HH:mm:ss")
    firstPublishTime = serializers.CharField(help_text="用证清单首次发布时间，yyyy-MM-dd HH:mm:ss（6.3 c）")
    validStart = serializers.CharField(help_text="有效开始时间，yyyy-MM-dd HH:mm:ss（6.3 d）")
    validEnd = serializers.CharField(help_text="失效结束时间，yyyy-MM-dd HH:mm:ss；为空表示长期有效（6.3 d）")
    dataList = ScenarioCertificateTypeSerializer(many=True)


class ScenarioQueryResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    dataList = ScenarioOutSerializer(many=True)
