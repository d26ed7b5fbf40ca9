"""The table of ``head.status`` codes answered by every section-12 endpoint.

"0" is success (12.1.2). Codes are grouped by who raises them so that a caller can tell an
envelope fault (1xxx) from an authorisation refusal (2xxx), a section 7.3 usage refusal (3xxx),
a business refusal of the sharing services (4xxx) and a server-side fault (9xxx). Each code
carries the HTTP status it is answered with and the Chinese message shown to people.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Status:
    code: str
    http_status: int
    message: str

    @property
    def ok(self) -> bool:
        return self.code == OK.code


_TABLE: dict[str, Status] = {}


def _status(code: str, http_status: int, message: str) -> Status:
    if code in _TABLE:
        raise ValueError(f"status code {code} defined twice")
    status = Status(code, http_status, message)
    _TABLE[code] = status
    return status


def lookup(code: str) -> Status | None:
    """The registered status for a code, or None for a code this table does not know."""
    return _TABLE.get(code)


def all_statuses() -> list[Status]:
    return sorted(_TABLE.values(), key=lambda s: (len(s.code), s.code))


#: What each group of codes is about, by the first digit of the code ("0" is success alone).
GROUPS = {
    "0": "成功",
    "1": "信封（12.1.1、12.1.2）",
    "2": "可信访问（7.3 c-e、10.2）",
    "3": "用证清单使用（7.3 a-b、9 c）",
    "4": "共享服务（12.1.5-12.1.10、12.2.2、12.2.3）",
    "9": "系统",
}


def markdown_table() -> str:
    """The table of every code as Markdown, for the README and the OpenAPI description.

    Generated here so that the documentation cannot drift from what the endpoints answer; the
    HTTP column is each code's own status, used when a deployment maps statuses to HTTP.
    """
    lines = ["| head.status | 类别 | 含义 | HTTP（映射时） |", "| --- | --- | --- | --- |"]
    for status in all_statuses():
        group = GROUPS.get(status.code[0], "")
        lines.append(f"| `{status.code}` | {group} | {status.message} | {status.http_status} |")
    return "\n".join(lines) + "\n"


OK = _status("0", 200, "接口调用成功")

# 1xxx: the envelope itself (12.1.1, 12.1.2).
MALFORMED_ENVELOPE = _status("1001", 400, "请求报文格式错误，应为包含 head 与 encryptData 的 JSON 对象")
MISSING_ACCOUNT = _status("1002", 400, "请求报文缺少调用方账号 head.accountId")
UNKNOWN_ACCOUNT = _status("1003", 401, "调用方账号未登记")
BAD_HEX = _status("1004", 400, "encryptData 不是合法的十六进制密文")
DECRYPTION_FAILED = _status("1005", 400, "encryptData 解密失败：密文被篡改或未使用本系统公钥加密")
BAD_PLAINTEXT = _status("1006", 400, "业务参数不是合法的 UTF-8 JSON 对象（或其 BASE64 编码）")
INVALID_PARAMETERS = _status("1007", 400, "业务参数校验失败")
PAYLOAD_TOO_LARGE = _status("1008", 413, "请求报文超过大小限制")
METHOD_NOT_ALLOWED = _status("1009", 405, "接口仅支持 POST 方法")
UNSUPPORTED_MEDIA_TYPE = _status("1010", 415, "请求内容类型应为 application/json; charset=utf-8")
ACCOUNT_DISABLED = _status("1011", 403, "调用方账号已停用")
NOT_FOUND = _status("1012", 404, "接口不存在")
WRONG_CIPHERTEXT_ORDER = _status("1013", 400, "encryptData 密文分量顺序错误：收到的是 C1C2C3，应为 C1C3C2（GB/T 32918.4-2016）")

# 2xxx: trusted access (7.3 c-e, 10.2): application and holder tokens.
ACCESS_TOKEN_MISSING = _status("2001", 401, "缺少应用可信访问令牌 head.accessToken")
ACCESS_TOKEN_INVALID = _status("2002", 401, "应用可信访问令牌无效")
ACCESS_TOKEN_EXPIRED = _status("2003", 401, "应用可信访问令牌已过期")
ACCESS_TOKEN_REVOKED = _status("2004", 401, "应用可信访问令牌已被吊销")
ACCESS_TOKEN_FOREIGN = _status("2005", 403, "应用可信访问令牌不属于当前调用方")
HOLDER_TOKEN_MISSING = _status("2011", 401, "缺少持证主体可信身份信息令牌 trustedToken")
HOLDER_TOKEN_INVALID = _status("2012", 401, "持证主体可信身份信息令牌无效")
HOLDER_TOKEN_EXPIRED = _status("2013", 401, "持证主体可信身份信息令牌已过期")
HOLDER_TOKEN_REVOKED = _status("2014", 401, "持证主体可信身份信息令牌已被吊销")
HOLDER_TOKEN_FOREIGN = _status("2015", 403, "持证主体可信身份信息令牌不是签发给当前应用的")
HOLDER_PERMISSION_DENIED = _status("2016", 403, "本次调用超出持证主体可信访问凭证的访问授权范围（permission）")
RATE_LIMITED = _status("2021", 429, "请求过于频繁，请稍后再试")
APP_SUSPENDED = _status("2032", 403, "应用已被暂停使用，请联系可信访问平台")
APP_REVOKED = _status("2033", 403, "应用已被吊销")
APP_CREDENTIALS_INVALID = _status("2034", 401, "应用标识或应用密钥错误")
APP_CORP_MISMATCH = _status("2035", 403, "单位名称或统一社会信用代码与平台登记信息不符")
APP_ID_MISMATCH = _status("2036", 400, "appId 与调用方账号 head.accountId 不一致")
REGION_CALLER_NOT_ALLOWED = _status("2037", 403, "地区系统账号不能调用该接口，请以登记的应用系统调用")
# 2041-2045: a region's check of the trust service's grant of a provider call (10.1 d, 10.2 b).
GRANT_MISSING = _status("2041", 401, "缺少共享可信服务签发的调用凭证 grant")
GRANT_INVALID = _status("2042", 401, "调用凭证无效：格式错误或签名验证失败")
GRANT_EXPIRED = _status("2043", 401, "调用凭证已过期或尚未生效")
GRANT_REPLAYED = _status("2044", 409, "调用凭证已被使用")
GRANT_EXCEEDED = _status("2045", 403, "请求内容超出调用凭证的授权范围")
REGION_RELAY_FOREIGN_APPLICATION = _status("2038", 403, "地区系统只能为本地区登记的应用系统转发调用")

# 3xxx: usage checks of section 7.3 a-b and 9 c.
SCENARIO_NOT_FOUND = _status("3001", 403, "用证清单不存在或未发布")
SCENARIO_NOT_VALID = _status("3002", 403, "用证清单不在有效期内")
SCENARIO_NOT_ASSOCIATED = _status("3003", 403, "当前应用未关联该用证清单")
CERTIFICATE_TYPE_NOT_IN_SCENARIO = _status("3004", 403, "所请求的证照类型不在该用证清单中")
CATALOG_NOT_SHARED = _status("3005", 403, "证照目录不在共享期内")

# 4xxx: the sharing services (12.1.5-12.1.10, 12.2.2).
CERTIFICATE_ID_INVALID = _status("4001", 404, "证照全局唯一标识无效")
CERTIFICATE_ID_EXPIRED = _status("4002", 410, "证照全局唯一标识已过期（十分钟有效）")
CERTIFICATE_ID_FOREIGN = _status("4003", 403, "证照全局唯一标识不是为当前应用签发的")
CERTIFICATE_NOT_FOUND = _status("4004", 404, "未找到符合条件的电子证照")
REGION_UNAVAILABLE = _status("4005", 502, "颁证地区电子证照管理系统暂不可用")
CERTIFICATE_NOT_VALID = _status("4006", 410, "该电子证照已被颁证地区注销或已超过有效期")
SERVICE_CODE_INVALID = _status("4011", 400, "政务服务码无法识别")
SERVICE_CODE_EXPIRED = _status("4012", 400, "政务服务码已过期")
SERVICE_CODE_FORGED = _status("4013", 400, "政务服务码签名验证失败")
SERVICE_CODE_REPLAYED = _status("4014", 409, "政务服务码已被使用")
DUPLICATE_TRANSACTION = _status("4021", 409, "业务流水号重复")
DOWNLOAD_LINK_INVALID = _status("4031", 403, "文件下载地址无效或已过期")
# The evidence log (8.5, 11.3).
EVIDENCE_ENTRY_NOT_FOUND = _status("4041", 404, "存证条目不存在：序号超出存证日志，或未找到该请求摘要的条目")

# 9xxx: the server.
NOT_IMPLEMENTED = _status("9001", 501, "接口尚未开放")
INTERNAL_ERROR = _status("9999", 500, "系统内部错误，请稍后重试")
