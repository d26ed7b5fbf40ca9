"""Business parameters of 12.2.1-12.2.3 (tables 9-11, read as READING.md says)."""

from rest_framework import serializers

from trust.envelope.serializers import AuditFieldsSerializer
from trust.keys import hub_private_key
from trust.permissions import PermissionInvalid, normalise_permission
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError
from ysj_protocol.identifiers import is_valid_resident_id


class AppRegisterParamsSerializer(serializers.Serializer):
    appId = serializers.CharField(max_length=64, help_text="应用标识，由可信访问平台分配")
    appSecret = serializers.CharField(max_length=128, help_text="应用密钥，由可信访问平台分配，不可泄露")
    corpName = serializers.CharField(max_length=128, help_text="单位名称")
    corpCode = serializers.CharField(max_length=18, help_text="统一社会信用代码")


class AppRegisterResultSerializer(serializers.Serializer):
    code = serializers.IntegerField(help_text="1-成功 0-失败")
    msg = serializers.CharField()
    accessToken = serializers.CharField(required=False, help_text="应用可信访问令牌，之后每次调用放在 head.accessToken")
    expiresAt = serializers.CharField(required=False, help_text="令牌过期时间")


class ServiceCodeParamsSerializer(AuditFieldsSerializer):
    qrCode = serializers.CharField(max_length=4096, help_text="长三角三省一市政务服务码")


class ServiceCodeCertificateSerializer(serializers.Serializer):
    certificateID = serializers.CharField(help_text="证照全局唯一标识，十分钟有效（亦以 certificateId 给出）")
    certificateId = serializers.CharField(help_text="同 certificateID（表 10 的写法）")
    certificateType = serializers.CharField()
    issueDept = serializers.CharField()
    certificateNumber = serializers.CharField()
    issueDate = serializers.CharField()


class ServiceCodeUserInfoSerializer(serializers.Serializer):
    userName = serializers.CharField(required=False)
    idCard = serializers.CharField(help_text="身份证号")
    phone = serializers.CharField(required=False)
    trustedToken = serializers.CharField(help_text="可信身份信息令牌，用于 12.1.5、12.1.7、12.1.9 的 trustedToken")
    expiresAt = serializers.CharField(help_text="令牌过期时间 yyyy-MM-dd HH:mm:ss")


class ServiceCodeResultSerializer(serializers.Serializer):
    userInfo = ServiceCodeUserInfoSerializer()
    certificateList = ServiceCodeCertificateSerializer(many=True, required=False)
    holderNotice = serializers.CharField(
        help_text=(
            "持证主体告知内容（本系统扩展，8.4）：向持证主体告知所列证照被获取的文字，应用系统应展示给持证主体或以短信等方式送达；"
            "照面编号已脱敏。未列出任何证照时为空字符串"
        )
    )


class HolderTokenParamsSerializer(serializers.Serializer):
    transactionId = serializers.CharField(
        max_length=64, help_text="业务流水号；同一应用内唯一，重复申领将被拒绝（4021）"
    )
    authType = serializers.ChoiceField(choices=["1", "2", "3"], help_text="1 生物识别；2 读取身份证件；3 扫描二维码")
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    idType = serializers.IntegerField(required=False, help_text="1 身份证；认证方式为 1 或 2 时必填")
    idNo = serializers.CharField(
        max_length=512,
        required=False,
        allow_blank=True,
        help_text="证件号码（18 位居民身份证号码，或以本系统 SM2 公钥加密后的十六进制密文）；认证方式为 1 或 2 时必填",
    )
    qrCode = serializers.CharField(
        max_length=4096, required=False, allow_blank=True, help_text="政务服务码；认证方式为 3 时必填"
    )
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    permission = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=(
            "访问授权信息：以逗号分隔的操作（search 检索、file 基于持证主体下载文件、info 基于持证主体获取信息）"
            "和/或用证清单编码 itemCode；未列操作则不限操作，未列清单则不限清单，为空表示不作限制"
        ),
    )

    def validate_permission(self, value: str) -> str:
        try:
            return normalise_permission(value)
        except PermissionInvalid as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate(self, attrs: dict) -> dict:
        if attrs["authType"] in {"1", "2"}:
            if attrs.get("idType") is None:
                raise serializers.ValidationError({"idType": "认证方式为 1 或 2 时证件类型必填"})
            if attrs["idType"] != 1:
                raise serializers.ValidationError({"idType": "证件类型仅支持 1（身份证）"})
            if not attrs.get("idNo"):
                raise serializers.ValidationError({"idNo": "认证方式为 1 或 2 时证件号码必填"})
            attrs["idNo"] = self._plain_id_number(attrs["idNo"])
        elif not (attrs.get("qrCode") or "").strip():
            raise serializers.ValidationError({"qrCode": "认证方式为 3 时二维码码值必填"})
        return attrs

    @staticmethod
    def _plain_id_number(value: str) -> str:
        """The number itself; the SDK may send it SM2-encrypted with the hub's public key (table 11).

        The ciphertext is read in any form the envelope accepts: hex C1C3C2 or GM/T 0009 DER.
        """
        value = value.strip()
        if len(value) > 18:
            try:
                value = sm2.decrypt_any(hub_private_key(), bytes.fromhex(value))[0].decode("utf-8").strip()
            except (CryptoError, ValueError) as exc:  # not hex, not a ciphertext to us, not UTF-8
                raise serializers.ValidationError({"idNo": "证件号码密文无法解密"}) from exc
        value = value.upper()
        if not is_valid_resident_id(value):
            raise serializers.ValidationError({"idNo": "不是有效的 18 位居民身份证号码（出生日期或校验码错误）"})
        return value


class HolderTokenResultSerializer(serializers.Serializer):
    code = serializers.IntegerField(help_text="1-成功 0-失败")
    msg = serializers.CharField()
    trustedToken = serializers.CharField(required=False)
    expiresAt = serializers.CharField(required=False)
