"""``ysj keygen``: an SM2 key pair for the application system (private key file of mode 600)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..app.errors import ConfigError
from ..crypto import sm2
from ..keyfiles import write_private_key_file
from . import output
from .main import add_command


def keygen(args: argparse.Namespace) -> int:
    path: Path = args.out
    if path.exists() and not args.force:
        raise ConfigError(f"私钥文件已存在：{path}（覆盖请加 --force）")
    key = sm2.PrivateKey.generate()
    write_private_key_file(path, key)
    public_path = path.with_name(path.name + ".pub")
    public_path.write_text(key.public_key.hex() + "\n", encoding="utf-8")
    if args.json:
        output.emit_json(
            {
                "privateKeyFile": str(path),
                "publicKeyFile": str(public_path),
                "publicKey": key.public_key.hex(),
            }
        )
    else:
        print(f"私钥文件 {path}（权限 600，请勿外传）")
        print(f"公钥文件 {public_path}")
        print(f"公钥 {key.public_key.hex()}")
        print("请将公钥提交可信访问平台登记；之后设置 YSJ_KEY_FILE 指向私钥文件。")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_command(subparsers, "keygen", help="生成 SM2 密钥对（私钥文件权限 600，公钥另存 .pub）")
    sub.add_argument("--out", type=Path, required=True, help="私钥文件路径")
    sub.add_argument("--force", action="store_true", help="覆盖已存在的私钥文件")
    sub.set_defaults(func=keygen)
