"""Business parameters of the provider calls (docs/region-protocol.md, "Provider calls")."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import FileFormat, HolderCodeType

#: Spellings of the holder code types that mean the same thing.
CODE_TYPE_ALIASES = {"居民身份证": HolderCodeType.ID_CARD.value}


class AuditSerializer(serializers.Serializer):
    """The calling application and the scenario list the hub has already checked (7.3)."""

    # The hub has checked the application's own fields; the region insists only on who asks and
    # under which scenario list, so a blank optional field never blocks a search.
    useFor = serializers.CharField(max_length=255, allow_blank=True, default="")
    itemName = serializers.CharField(max_length=255, allow_blank=True, default="")
    itemCode = serializers.CharField(max_length=64)
    itemOrg = serializers.CharField(max_length=128, allow_blank=True, default="")
    operator = serializers.CharField(max_length=64, allow_blank=True, default="")
    bizNum = serializers.CharField(max_length=64, allow_blank=True, default="")
    appId = serializers.CharField(max_length=64)


class HolderSerializer(serializers.Serializer):
    # Table 11 lets a holder token be applied for without a name: the holder is then matched by
    # code alone (the hub authenticated the holder before issuing the token).
    name = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    codeType = serializers.CharField(max_length=16)
    code = serializers.CharField(max_length=32)

    def validate_codeType(self, value: str) -> str:
        value = CODE_TYPE_ALIASES.get(value, value)
        if value not in HolderCodeType.values:
            raise serializers.ValidationError(f"应为 {' 或 '.join(HolderCodeType.values)}")
        return value

    def validate_code(self, value: str) -> str:
        return value.strip().upper()


class SearchParamsSerializer(serializers.Serializer):
    # The trust service's grant of the call (ysj_protocol.grants), checked before the handler.
    grant = serializers.JSONField(required=False, default=None)
    holder = HolderSerializer()
    certificateTypeCodes = serializers.ListField(
        child=serializers.CharField(max_length=64), allow_empty=False, max_length=500
    )
    certificateType = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    certificateNumber = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    audit = AuditSerializer()


class CertificateRefSerializer(serializers.Serializer):
    grant = serializers.JSONField(required=False, default=None)
    certificateRef = serializers.CharField(max_length=64)
    audit = AuditSerializer()


class FileParamsSerializer(CertificateRefSerializer):
    fileFormat = serializers.CharField(max_length=8)

    def validate_fileFormat(self, value: str) -> str:
        value = value.strip().upper()
        if value not in FileFormat.values:
            raise serializers.ValidationError(f"应为 {' 或 '.join(FileFormat.values)}")
        return value


class StatusParamsSerializer(serializers.Serializer):
    grant = serializers.JSONField(required=False, default=None)
    certificateRef = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    certificateNumber = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    certificateTypeCode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    audit = AuditSerializer(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["certificateRef"] and not (attrs["certificateNumber"] and attrs["certificateTypeCode"]):
            raise serializers.ValidationError(
                "需提供 certificateRef，或 certificateNumber 与 certificateTypeCode"
            )
        return attrs
