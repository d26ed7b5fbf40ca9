"""The secrets every process needs (Django's ``SECRET_KEY``, the data key), and the demo's own.

Production sets them in the environment; with DEBUG off a missing one stops the process at
start, because a public fallback would let anyone forge sessions and read identity numbers.
The demo (``make demo``) has no one to set them, so it generates them once into a file readable
by its owner only and runs its commands with them::

    python -m ysj_portal.secrets_env var/secrets.env -- python manage.py migrate

Values already in the environment win over the file. The settings modules of the hub and of the
nodes use this module, so it imports nothing of Django but its exceptions.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

#: Django's key with DEBUG on and nothing set. ``check --deploy`` reports it as an error.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105

DATA_KEY_HELP = "32 位十六进制（16 字节 SM4 密钥），例如 python -c \"import secrets; print(secrets.token_hex(16))\""


class MissingSecret(ImproperlyConfigured):
    """A secret that production must set is missing or malformed; the message names the variable."""


def require(name: str, value: str, *, debug: bool, debug_flag: str = "DEBUG") -> str:
    """``value``, or raise naming ``name`` when it is empty and ``debug`` is off."""
    if value or debug:
        return value
    raise MissingSecret(
        f"未设置环境变量 {name}：{debug_flag} 关闭时必须在环境中提供（见 README“Settings”；"
        f"本机演示请使用 make demo，它会在 var/ 下生成演示用密钥）"
    )


def check_data_key(value: str) -> str:
    """The data key if it is 32 hex digits (an SM4 key); the message names YSJ_DATA_KEY otherwise."""
    text = value.strip()
    try:
        ok = len(bytes.fromhex(text)) == 16
    except ValueError:
        ok = False
    if not ok:
        raise MissingSecret(f"环境变量 YSJ_DATA_KEY 格式不正确：应为 {DATA_KEY_HELP}")
    return text


def generate() -> dict[str, str]:
    """Fresh values for every secret the demo's processes read."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "YSJ_DATA_KEY": secrets.token_hex(16),
        "NODE_SECRET_KEY": secrets.token_urlsafe(50),
    }


def _read(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def ensure_file(path: Path) -> tuple[dict[str, str], bool]:
    """The demo's secrets from ``path``, generated there first if missing: (values, created).

    The file is written under a temporary name opened with mode 0600 and linked into place, which
    fails if another process got there first: every process then reads the same complete file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        os.chmod(path, 0o600)
        return _read(path), False
    values = generate()
    text = "# Generated for the demo only; production sets these in the environment.\n" + "".join(
        f"{name}={value}\n" for name, value in values.items()
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read(path), False
    finally:
        temporary.unlink(missing_ok=True)
    return values, True


def apply(values: Mapping[str, str], environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """Put ``values`` into ``environ`` where not already set; the names taken from the file."""
    taken = []
    for name, value in values.items():
        if not environ.get(name):
            environ[name] = value
            taken.append(name)
    return taken


def main(argv: list[str] | None = None) -> int:
    """``PATH [-- COMMAND ...]``: make sure the demo's secrets exist, then run COMMAND with them."""
    args = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in args:
        split = args.index("--")
        args, command = args[:split], args[split + 1 :]
    if len(args) != 1:
        print("用法：python -m ysj_portal.secrets_env 文件 [-- 命令 ...]", file=sys.stderr)
        return 2
    path = Path(args[0])
    values, created = ensure_file(path)
    if created:
        print(f"已生成演示用密钥 {path}（仅本机演示使用，权限 600；生产环境请在环境变量中设置）", flush=True)
    if not command:
        return 0
    apply(values, os.environ)
    os.execvp(command[0], command)  # noqa: S606 - the Makefile's own commands
    return 0  # pragma: no cover - execvp does not return


if __name__ == "__main__":
    sys.exit(main())
