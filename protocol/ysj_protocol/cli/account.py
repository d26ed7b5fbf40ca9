"""``ysj register`` (12.2.1) and ``ysj holder-token`` (12.2.3)."""

from __future__ import annotations

import argparse
import time

from . import output
from .main import add_command, client


def register_app(args: argparse.Namespace) -> int:
    with client(args) as app:
        registration = app.register()
    remaining = int(registration.expires_at.timestamp() - time.time()) if registration.expires_at else None
    if args.json:
        output.emit_json(
            {
                "accessToken": registration.access_token,
                "expiresAt": output.when(registration.expires_at),
                "secondsLeft": remaining,
            }
        )
    else:
        print(f"可信应用注册成功：令牌 {registration.access_token[:12]}…")
        print(
            f"过期时间 {output.when(registration.expires_at)}（约 {remaining // 60 if remaining else '?'} 分钟后）"
        )
        print("令牌已保存，之后的命令自动使用并在过期前续期。")
    return 0


def holder_token(args: argparse.Namespace) -> int:
    with client(args) as app:
        token = app.holder_token(
            id_no=args.id_no or "",
            name=args.name or "",
            auth_type=args.auth_type or "",
            qr_code=args.qr_code or "",
            permission=args.permission or "",
            location=args.location or "",
            transaction_id=args.transaction_id or "",
            encrypt_id=args.encrypt_id,
        )
    if args.json:
        output.emit_json({"trustedToken": token.trusted_token, "expiresAt": output.when(token.expires_at)})
    else:
        print(f"持证主体可信身份信息令牌 {token.trusted_token}")
        print(f"过期时间 {output.when(token.expires_at)}")
    return 0


def holder_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id-no", help="持证主体身份证号码（认证方式 1、2）")
    parser.add_argument("--name", help="持证主体姓名")
    parser.add_argument(
        "--auth-type", choices=["1", "2", "3"], help="认证方式：1 生物识别 2 读取身份证件 3 扫码"
    )
    parser.add_argument("--qr-code", help="政务服务码（认证方式 3）")
    parser.add_argument("--permission", help="访问授权：search,file,info 和/或用证清单编码")
    parser.add_argument("--encrypt-id", action="store_true", help="证件号码以对方 SM2 公钥加密后发送")


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_command(subparsers, "register", help="可信应用注册（12.2.1），显示令牌过期时间")
    sub.set_defaults(func=register_app)
    sub = add_command(subparsers, "holder-token", help="申领持证主体可信访问凭证（12.2.3）")
    holder_options(sub)
    sub.add_argument("--location", help="办理地点")
    sub.add_argument("--transaction-id", help="业务流水号（默认随机生成，同一应用内唯一）")
    sub.set_defaults(func=holder_token)
