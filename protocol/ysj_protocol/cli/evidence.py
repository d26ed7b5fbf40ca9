"""``ysj checkpoint``: the evidence log's signed checkpoint; ``ysj prove``: an inclusion proof checked."""

from __future__ import annotations

import argparse
import base64
from pathlib import Path

from ..app.errors import ConfigError
from . import output
from .main import add_command, client


def checkpoint(args: argparse.Namespace) -> int:
    with client(args) as app:
        verified = app.checkpoint()
    if args.json:
        output.emit_json(verified.as_dict())
    else:
        print(f"日志 {verified.origin}")
        print(f"条目数 {verified.size}")
        print(f"根哈希 {base64.b64encode(verified.root).decode()}")
        print("融合共享服务系统签名有效")
        print(f"见证地区 {'、'.join(verified.cosigned_by) or '（无有效见证签名，或未配置地区公钥）'}")
    return 0


def prove(args: argparse.Namespace) -> int:
    from ..tlog import hashing

    with client(args) as app:
        if args.leaf_hash:
            leaf_hash = bytes.fromhex(args.leaf_hash)
        elif args.leaf_file:
            leaf_hash = hashing.leaf_hash(args.leaf_file.read_bytes())
        elif args.from_log:
            leaf_hash = hashing.leaf_hash(app.evidence_entry(index=args.index).data)
        else:
            raise ConfigError("请给出 --leaf-hash、--leaf-file 或 --from-log（地区账号）之一")
        verified, proof = app.check_inclusion(index=args.index, leaf_hash=leaf_hash)
    if args.json:
        output.emit_json(
            {
                "ok": True,
                "index": proof.index,
                "size": proof.size,
                "checkpoint": verified.as_dict(),
                "path": [base64.b64encode(h).decode() for h in proof.path],
            }
        )
    else:
        print(
            f"条目 {args.index} 在 {verified.size} 条的已签名日志中（证明 {len(proof.path)} 个哈希）：验证通过"
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_command(subparsers, "checkpoint", help="证据日志最新检查点（验签，列出见证地区）")
    sub.set_defaults(func=checkpoint)
    sub = add_command(subparsers, "prove", help="检查一个条目在已签名证据日志中的包含性证明")
    sub.add_argument("--index", type=int, required=True, help="条目序号")
    sub.add_argument("--leaf-hash", help="条目的叶哈希（十六进制）")
    sub.add_argument("--leaf-file", type=Path, help="条目叶数据文件（计算叶哈希）")
    sub.add_argument("--from-log", action="store_true", help="向日志取条目数据（仅地区账号可取）")
    sub.set_defaults(func=prove)
