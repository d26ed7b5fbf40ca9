"""Business parameters of 12.2.1-12.2.3 (tables 9-11, read as READING.md says)."""

from rest_framework import serializers

from trust.envelope.serializers import AuditFieldsSerializer


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
    certificateType = serializers.CharField()
    issueDept = serializers.CharField()
    certificateNumber = serializers.CharField()
    issueDate = serializers.CharField()


class ServiceCodeUserInfoSerializer(serializers.Serializer):
    userName = serializers.CharField(required=False)
    idCard = serializers.CharField(help_text="身份证号")
    phone = serializers.CharField(required=False)
    trustedToken = serializers.CharField(help_text="可信身份信息令牌")


class ServiceCodeResultSerializer(serializers.Serializer):
    userInfo = ServiceCodeUserInfoSerializer()
    certificateList = ServiceCodeCertificateSerializer(many=True, required=False)


class HolderTokenParamsSerializer(serializers.Serializer):
    transactionId = serializers.CharField(max_length=64, help_text="业务流水号")
    authType = serializers.ChoiceField(choices=["1", "2", "3"], help_text="1 生物识别；2 读取身份证件；3 扫描二维码")
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    idType = serializers.IntegerField(required=False, help_text="1 身份证；认证方式为 1 或 2 时必填")
    idNo = serializers.CharField(max_length=512, required=False, allow_blank=True, help_text="证件号码；认证方式为 1 或 2 时必填")
    qrCode = serializers.CharField(max_length=4096, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    permission = serializers.CharField(max_length=200, required=False, allow_blank=True)


class HolderTokenResultSerializer(serializers.Serializer):
    code = serializers.IntegerField(help_text="1-成功 0-失败")
    msg = serializers.CharField()
    trustedToken = serializers.CharField(required=False)
    expiresAt = serializers.CharField(required=False)
