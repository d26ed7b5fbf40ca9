"""The entry point: global options, the fixed list of command modules, errors to exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from ..app import Client, Settings, load_settings
from ..app.errors import YSJError
from . import exitcodes, output

#: The command modules, each with ``register(subparsers)``; ``use`` (11.4) is optional.
COMMAND_MODULES = ("keys", "account", "queries", "certificates", "codes", "evidence", "use")
OPTIONAL_MODULES = frozenset({"use"})


def common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted before and after the subcommand (``ysj --json search`` = ``ysj search --json``)."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("通用选项")
    group.add_argument(
        "--json", action="store_true", default=default(False), help="以 JSON 输出（供脚本使用）"
    )
    group.add_argument(
        "--config", type=Path, default=default(None), help="配置文件（默认 ~/.config/ysj/config.toml）"
    )
    group.add_argument(
        "--base-url", default=default(None), help="融合共享服务系统地址，或本地区节点转发地址 <节点>/ysj"
    )
    group.add_argument("--public-key", default=default(None), help="对方 SM2 公钥（十六进制）")
    group.add_argument("--app-id", default=default(None), help="应用标识 appId")
    group.add_argument("--key-file", default=default(None), help="应用 SM2 私钥文件")
    group.add_argument("--timeout", type=float, default=default(None), help="每次调用的超时秒数")
    group.add_argument(
        "--der", action="store_true", default=default(None), help="以 GM/T 0009 DER 形式发送密文"
    )


def settings(args: argparse.Namespace) -> Settings:
    token_file = os.environ.get("YSJ_TOKEN_FILE") or str(_cache_dir() / "tokens.json")
    loaded = load_settings(
        path=args.config,
        base_url=args.base_url,
        public_key=args.public_key,
        app_id=args.app_id,
        key_file=args.key_file,
        timeout=args.timeout,
        der=args.der,
    )
    if not loaded.token_file:
        loaded = Settings(**{**loaded.__dict__, "token_file": token_file})
    return loaded


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "ysj"


def client(args: argparse.Namespace) -> Client:
    return settings(args).client()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ysj",
        description="长三角电子证照共享：应用系统命令行（可信应用注册、证照目录与用证清单、检索、下载、核验、证据日志）",
        epilog=exitcodes.help_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common_options(parser, suppress=False)
    subparsers = parser.add_subparsers(dest="command", metavar="命令")
    subparsers.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if name in OPTIONAL_MODULES and exc.name == f"{__package__}.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def add_command(
    subparsers: argparse._SubParsersAction, name: str, **kwargs: object
) -> argparse.ArgumentParser:
    """A subcommand that also takes the common options after its name."""
    sub = subparsers.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)
    common_options(sub, suppress=True)
    return sub


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        result = args.func(args)
    except YSJError as exc:
        code = exitcodes.for_error(exc)
        output.report_error(exc, code, as_json=as_json)
        return code
    except KeyboardInterrupt:
        sys.stderr.write("ysj: 已中断\n")
        return 130
    return int(result or 0)


def main_exit() -> None:
    """The console script: ``main``'s code as the process's exit status."""
    sys.exit(main())
