"""``ysj catalogs`` (12.1.3) and ``ysj scenarios`` (12.1.4)."""

from __future__ import annotations

import argparse

from . import output
from .main import add_command, client


def catalogs(args: argparse.Namespace) -> int:
    with client(args) as app:
        entries = app.catalogs()
    if args.json:
        output.emit_json({"total": len(entries), "dataList": entries})
        return 0
    output.table(
        ["证照类型代码", "证照类型", "主管部门", "共享开始", "共享结束"],
        [
            (
                e.certificate_type_code,
                e.certificate_type,
                e.define_authority_name,
                output.when(e.share_start),
                output.when(e.share_end) or "长期",
            )
            for e in entries
        ],
    )
    return 0


def scenarios(args: argparse.Namespace) -> int:
    with client(args) as app:
        lists = app.scenarios(args.for_app or "")
    if args.json:
        output.emit_json({"total": len(lists), "dataList": lists})
        return 0
    output.table(
        ["用证清单编码", "名称", "有效开始", "失效结束", "证照类型"],
        [
            (
                s.item_code,
                s.item_name,
                output.when(s.valid_start),
                output.when(s.valid_end) or "长期",
                "、".join(t.certificate_type for t in s.types),
            )
            for s in lists
        ],
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_command(subparsers, "catalogs", help="证照目录获取（12.1.3）")
    sub.set_defaults(func=catalogs)
    sub = add_command(subparsers, "scenarios", help="用证清单获取（12.1.4）")
    sub.add_argument("--for-app", help="查询的应用标识（默认本应用）")
    sub.set_defaults(func=scenarios)
