"""``ysj decode-code``: read a service code locally; ``ysj service-code``: verify it at the hub (12.2.2)."""

from __future__ import annotations

import argparse
import datetime as dt

from ..app.errors import VerificationFailed
from ..service_code import CODE_TYPES, ServiceCodeError, parse_service_code, verify_service_code
from . import output
from .certificates import audit_options, case_for
from .main import add_command, client, settings


def decode(args: argparse.Namespace) -> int:
    try:
        parsed = parse_service_code(args.code)
    except ServiceCodeError as exc:
        raise VerificationFailed(f"政务服务码无法识别：{exc.reason}") from exc
    keys = settings(args).witness_keys()
    key = keys.get(parsed.region_code)
    checked = "未检查（未配置该地区公钥 region_keys）"
    problem = ""
    if key is not None:
        try:
            verify_service_code(parsed, key)
            checked = "签名有效，在有效期内"
        except ServiceCodeError as exc:
            checked, problem = f"未通过：{exc.reason}", exc.reason
    info = {
        "codeType": parsed.code_type,
        "codeTypeName": CODE_TYPES[parsed.code_type].name,
        "regionCode": parsed.region_code,
        "holderName": parsed.holder_name,
        "holderCodeType": parsed.holder_code_type,
        "holderCode": parsed.holder_code,
        "issuedAt": parsed.issued_at.astimezone(dt.UTC),
        "expiresAt": parsed.expires_at.astimezone(dt.UTC),
        "certificates": parsed.certificates,
        "signature": checked,
    }
    if args.json:
        output.emit_json(info)
    else:
        for label, key_name in (
            ("类型", "codeTypeName"),
            ("签发地区", "regionCode"),
            ("持证主体", "holderName"),
            ("主体代码", "holderCode"),
            ("签发时间(UTC)", "issuedAt"),
            ("过期时间(UTC)", "expiresAt"),
            ("签名", "signature"),
        ):
            print(f"{label:<10}{output.plain(info[key_name])}")
        if parsed.certificates:
            output.table(
                ["证照类型", "照面编号"],
                [(c.get("certificateType", ""), c.get("certificateNumber", "")) for c in parsed.certificates],
            )
    if problem:
        raise VerificationFailed(f"政务服务码{problem}")
    return 0


def verify_at_hub(args: argparse.Namespace) -> int:
    with client(args) as app, case_for(app, args) as case:
        result = case.service_code(args.code)
    if args.json:
        output.emit_json(result)
    else:
        print(f"持证主体 {result.user_name} {result.id_card}")
        print(f"可信身份信息令牌 {result.token.trusted_token}（至 {output.when(result.token.expires_at)}）")
        output.table(
            ["证照标识（十分钟有效）", "证照类型", "照面编号"],
            [(c.certificate_id, c.certificate_type, c.certificate_number) for c in result.certificates],
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_command(subparsers, "decode-code", help="本地解读政务服务码（配置了地区公钥时验签）")
    sub.add_argument("code", help="政务服务码文本")
    sub.set_defaults(func=decode)
    sub = add_command(subparsers, "service-code", help="政务服务码验证（12.2.2，一次性）")
    sub.add_argument("code", help="政务服务码文本")
    audit_options(sub)
    sub.set_defaults(func=verify_at_hub)
