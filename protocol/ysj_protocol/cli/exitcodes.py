"""The exit codes of ``ysj``: scripts decide on these, people read the message on stderr."""

from __future__ import annotations

from ..app import errors

OK = 0
#: An unexpected failure inside ``ysj`` itself (a bug: please report it with the message).
INTERNAL = 1
#: The command line was wrong (argparse's own code).
USAGE = 2
#: The configuration is missing or invalid: base URL, account, key file, public keys.
CONFIG = 3
#: A signature, a file, a checkpoint or a proof did not verify.
VERIFICATION_FAILED = 4
#: The provider refused the call: a non-zero ``head.status`` (printed with its meaning).
REFUSED = 5
#: The provider could not be reached or did not answer in time (after the retries allowed).
NETWORK = 6
#: The provider answered something that is not a valid envelope or answer.
BAD_ANSWER = 7

#: Code, name, meaning: the documented table (README, ``ysj --help``).
TABLE = (
    (OK, "ok", "成功"),
    (INTERNAL, "internal", "ysj 内部错误"),
    (USAGE, "usage", "命令行用法错误"),
    (CONFIG, "config", "配置缺失或无效（地址、账号、私钥文件、公钥）"),
    (VERIFICATION_FAILED, "verification-failed", "签名、文件、检查点或证明验证未通过"),
    (REFUSED, "refused", "对方拒绝调用：head.status 非 0（附状态码及其含义）"),
    (NETWORK, "network", "无法连接对方或超时（已按规则重试）"),
    (BAD_ANSWER, "bad-answer", "对方应答不是合法的信封或应答"),
)


def for_error(error: BaseException) -> int:
    """The exit code of a failure."""
    if isinstance(error, errors.ConfigError):
        return CONFIG
    if isinstance(error, errors.VerificationFailed):
        return VERIFICATION_FAILED
    if isinstance(error, errors.Refused):
        return REFUSED
    if isinstance(error, errors.Unreachable):
        return NETWORK
    if isinstance(error, errors.BadAnswer):
        return BAD_ANSWER
    return INTERNAL


def help_text() -> str:
    return "退出码：\n" + "\n".join(f"  {code}  {name:<20} {meaning}" for code, name, meaning in TABLE)
