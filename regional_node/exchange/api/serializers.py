"""Parameters of a publication (docs/region-protocol.md, "Publication")."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from ysj_protocol.profile import TIME_FORMAT

from ..models import PublicationAction, PublicationKind


class PublicationSerializer(serializers.Serializer):
    publicationId = serializers.UUIDField()
    sequence = serializers.IntegerField(min_value=1, max_value=2**62)
    kind = serializers.ChoiceField(choices=PublicationKind.values)
    action = serializers.ChoiceField(choices=PublicationAction.values)
    code = serializers.CharField(max_length=64)
    publishedAt = serializers.CharField(max_length=19, min_length=19)
    payload = serializers.DictField()
    signature = serializers.RegexField(r"^[0-9A-Fa-f]{128,256}$", max_length=256)

    def validate_publishedAt(self, value: str) -> str:
        try:
            dt.datetime.strptime(value, TIME_FORMAT)
        except ValueError as exc:
            raise serializers.ValidationError("应为 yyyy-MM-dd HH:mm:ss") from exc
        return value
