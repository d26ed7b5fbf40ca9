from rest_framework import serializers

from trust.envelope.serializers import JSONIntegerField
from ysj_protocol.envelope import EnvelopeError


class _DigestField(serializers.RegexField):
    """A hex SM3 digest sent as JSON text: not a number that happens to have 64 digits, no newline."""

    def to_internal_value(self, data):  # noqa: ANN001, ANN201 - DRF's signature
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class EntryParamsSerializer(serializers.Serializer):
    index = JSONIntegerField(required=False, min_value=0, help_text="条目在存证日志中的序号（从 0 开始）")
    requestDigest = _DigestField(  # noqa: N815 - the protocol's parameter name
        r"\A[0-9a-fA-F]{64}\Z",
        required=False,
        trim_whitespace=False,
        error_messages={"invalid": "应为 64 位十六进制的 SM3 摘要。"},
        help_text="本地区参与的一次调用的请求报文 SM3 摘要（十六进制），用于核对该调用已入账",
    )

    def validate(self, attrs):
        if ("index" in attrs) == ("requestDigest" in attrs):
            raise serializers.ValidationError("index 与 requestDigest 须且只能提供其一")
        return attrs


class EntryResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="条目序号")
    data = serializers.CharField(help_text="条目叶子数据的原始字节（BASE64），按规范编码的 UTF-8 JSON")


__all__ = ["EntryParamsSerializer", "EntryResultSerializer", "EnvelopeError"]
