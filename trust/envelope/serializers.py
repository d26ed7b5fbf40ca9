"""Serializers shared by many endpoints: the audit fields and the envelope itself (for the schema)."""

from typing import Any

from rest_framework import serializers

#: The largest integer a parameter may carry: a signed 64-bit column holds every one the hub stores.
MAX_JSON_INTEGER = 2**63 - 1


class JSONIntegerField(serializers.IntegerField):
    """An integer parameter that is a JSON number without a fraction, nothing else.

    DRF's own field takes ``"1"``, ``"１"``, ``"1_0"``, ``1.0`` and ``" 1 "`` as integers: the
    standard's tables type these parameters as numbers, so a caller sending text or a float is
    told so (1007) instead of having its parameter read as something it may not have meant.
    """

    default_error_messages = {
        "invalid": "应为整数（JSON 数字，不带引号与小数点）。",
        "max_value": "请确保该值小于或者等于 {max_value}。",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", MAX_JSON_INTEGER)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return data


class AuditFieldsSerializer(serializers.Serializer):
    """The audit fields every request of 12.1.5-12.1.10 and 12.2.2 carries (READING.md)."""

    useFor = serializers.CharField(max_length=200, help_text="查询事由")
    itemName = serializers.CharField(max_length=200, help_text="场景或业务名称")
    itemCode = serializers.CharField(max_length=64, help_text="场景或业务编号（用证清单编码）")
    itemOrg = serializers.CharField(max_length=200, help_text="调用单位名称")
    operator = serializers.CharField(max_length=64, help_text="实际调用操作人员姓名")
    bizNum = serializers.CharField(max_length=64, help_text="调用涉及业务编号")


class EnvelopeHeadSerializer(serializers.Serializer):
    accountId = serializers.CharField(help_text="调用方账号（地区或应用系统的 appId）")
    accessToken = serializers.CharField(required=False, help_text="应用可信访问令牌（12.2.1 取得；注册接口本身不需要）")


class EnvelopeRequestSerializer(serializers.Serializer):
    head = EnvelopeHeadSerializer()
    encryptData = serializers.CharField(help_text="业务参数 UTF-8 JSON（可再 BASE64）的 SM2 密文，C1C3C2，十六进制")


class ResponseHeadSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="\"0\" 为成功，其余见状态码表")
    message = serializers.CharField()


class EnvelopeResponseSerializer(serializers.Serializer):
    head = ResponseHeadSerializer()
    encryptData = serializers.CharField(required=False, help_text="业务输出的 SM2 密文（以调用方公钥加密）")
