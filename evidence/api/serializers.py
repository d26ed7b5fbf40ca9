from rest_framework import serializers

from ysj_protocol.envelope import EnvelopeError


class EntryParamsSerializer(serializers.Serializer):
    index = serializers.IntegerField(required=False, min_value=0, help_text="条目在存证日志中的序号（从 0 开始）")
    requestDigest = serializers.RegexField(  # noqa: N815 - the protocol's parameter name
        r"^[0-9a-fA-F]{64}$",
        required=False,
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
