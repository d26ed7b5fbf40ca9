"""The entry point: global options, the fixed list of command modules, errors to exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import re
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


#: An identifier as the hub issues them (base64url): certificateIDs, file identifiers.
_IDENTIFIER = re.compile(r"-[A-Za-z0-9_-]{15,63}")


def shield_identifiers(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Let identifiers that begin with ``-`` through as values, not options.

    A base64url identifier begins with ``-`` once in 64 draws (older hubs issued such
    certificateIDs). argparse reads ``ysj fetch -Vg...`` and ``ysj info --id -Vg...`` as unknown
    options; this joins an option's value as ``--id=-Vg...`` and moves a positional identifier
    behind ``--``. Arguments that name a known option are left as they are.
    """
    command_at = next((i for i, arg in enumerate(argv) if arg in _commands(parser)), None)
    if command_at is None:
        return argv
    sub = _commands(parser)[argv[command_at]]
    known = sub._option_string_actions
    head, rest, moved = argv[: command_at + 1], argv[command_at + 1 :], []
    out: list[str] = []
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            out.extend(rest[i:])
            break
        action = known.get(arg)
        following = rest[i + 1] if i + 1 < len(rest) else None
        if (
            action is not None
            and action.nargs is None
            and following is not None
            and following not in known
            and _IDENTIFIER.fullmatch(following)
        ):
            out.append(f"{arg}={following}")
            i += 2
            continue
        if action is None and arg.split("=", 1)[0] not in known and _IDENTIFIER.fullmatch(arg):
            moved.append(arg)
        else:
            out.append(arg)
        i += 1
    if not moved:
        return head + out
    if "--" in out:
        return head + out + moved
    return head + out + ["--", *moved]


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(shield_identifiers(parser, argv))
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
