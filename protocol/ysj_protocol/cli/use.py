"""``ysj use``: 11.4 on a file already at hand (``ysj fetch`` applies it to a download itself).

    ysj use apply FILE --scenario-name 不动产登记 --biz-num B1 --item-org 某中心   watermark, sign, store
    ysj use watermark FILE --out OUT ...   ysj use sign FILE --out OUT   ysj use store FILE
    ysj use open ID --out OUT      decrypt; checks the GCM tags and the application's signature
    ysj use verify FILE            the application's signature under its own key
    ysj use original FILE --out OUT  the file as the region issued it, taken back out
    ysj use list | rewrap          stored files; move them to the current master key

Master keys come from ``YSJ_STORE_KEYS`` (``k2:<32 hex>,k1:<32 hex>``, the first the current one),
the store folder from ``--store``, ``YSJ_STORE_DIR`` or ``~/.local/share/ysj/store``. Exit codes as
``ysj``'s table: 2 bad input, 3 configuration (a master key missing), 4 a tag or a signature that
does not verify.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from ..app.errors import ConfigError, VerificationFailed
from ..certfile.errors import CertFileError
from ..usage import (
    KEYS_VARIABLE,
    MasterKeyError,
    SignatureMismatch,
    StoredFileCorrupted,
    UsageError,
    UseContext,
    apply_11_4,
    check_signature,
    original_revision,
    parse_master_keys,
    read_stored,
    rewrap,
    sign,
    store,
    stored_ids,
    watermark,
)
from . import exitcodes, output
from .main import add_command, settings


def _guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """11.4's own errors as ``ysj``'s: a bad file is a usage error, a changed byte a failed check."""

    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (StoredFileCorrupted, SignatureMismatch) as exc:
            raise VerificationFailed(str(exc)) from exc
        except MasterKeyError as exc:
            raise ConfigError(str(exc)) from exc
        except UsageError as exc:
            output.report_error(exc, exitcodes.USAGE, as_json=bool(getattr(args, "json", False)))
            return exitcodes.USAGE

    return run


def _format_of(path: Path, given: str | None) -> str:
    if given:
        return given.lower()
    with path.open("rb") as handle:
        head = handle.read(5)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        return "ofd"
    raise UsageError(f"无法判断 {path} 的格式，请用 --format 指定 PDF 或 OFD")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"无法读取 {path}：{exc.strerror}") from exc


def _write(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def _keys() -> tuple[dict[str, bytes], str]:
    return parse_master_keys(os.environ.get(KEYS_VARIABLE, ""))


def _store_dir(args: argparse.Namespace) -> Path:
    return Path(args.store or os.environ.get("YSJ_STORE_DIR") or Path.home() / ".local/share/ysj/store")


def _use(args: argparse.Namespace) -> UseContext:
    when = dt.datetime.fromisoformat(args.time) if args.time else dt.datetime.now().astimezone()
    if when.tzinfo is None:
        when = when.astimezone()
    return UseContext(
        scenario_name=args.scenario_name, biz_num=args.biz_num, item_org=args.item_org, time=when
    )


def _signer(args: argparse.Namespace):  # noqa: ANN202 - (private key, app id)
    loaded = settings(args)
    if not loaded.app_id:
        raise ConfigError("未配置应用标识 appId（--app-id 或配置文件）")
    return loaded.private_key(), loaded.app_id


def _done(args: argparse.Namespace, result: dict[str, object], text: str) -> int:
    if args.json:
        output.emit_json(result)
    else:
        print(text)
    return 0


@_guarded
def do_watermark(args: argparse.Namespace) -> int:
    fmt = _format_of(args.file, args.format)
    marked = watermark(_read(args.file), file_format=fmt, use=_use(args))
    _write(args.out, marked)
    return _done(args, {"file": str(args.out), "fileFormat": fmt.upper()}, f"已加水印：{args.out}")


@_guarded
def do_sign(args: argparse.Namespace) -> int:
    fmt = _format_of(args.file, args.format)
    private_key, app_id = _signer(args)
    _write(args.out, sign(_read(args.file), file_format=fmt, private_key=private_key, app_id=app_id))
    return _done(
        args, {"file": str(args.out), "appId": app_id}, f"已以应用系统 {app_id} 的私钥签名：{args.out}"
    )


@_guarded
def do_apply(args: argparse.Namespace) -> int:
    fmt = _format_of(args.file, args.format)
    private_key, app_id = _signer(args)
    keys, current = _keys()
    store_dir = _store_dir(args)
    file_id = apply_11_4(
        _read(args.file), file_format=fmt, use=_use(args), private_key=private_key, app_id=app_id,
        store_dir=store_dir, master_keys=keys, current_key_id=current,
    )  # fmt: skip
    result = {"fileId": file_id, "storeDir": str(store_dir), "keyId": current, "fileFormat": fmt.upper()}
    return _done(args, result, f"已加水印、签名并加密存储：文件标识 {file_id}（主密钥 {current}）")


@_guarded
def do_store(args: argparse.Namespace) -> int:
    fmt = _format_of(args.file, args.format)
    keys, current = _keys()
    store_dir = _store_dir(args)
    file_id = store(
        _read(args.file), file_format=fmt, store_dir=store_dir, master_keys=keys, current_key_id=current,
        app_id=args.app_id or "",
    )  # fmt: skip
    result = {"fileId": file_id, "storeDir": str(store_dir), "keyId": current}
    return _done(args, result, f"已加密存储：文件标识 {file_id}（主密钥 {current}）")


@_guarded
def do_open(args: argparse.Namespace) -> int:
    keys, _ = _keys()
    public_key = None if args.no_verify else _signer(args)[0].public_key
    stored = read_stored(args.file_id, store_dir=_store_dir(args), master_keys=keys, public_key=public_key)
    _write(args.out, stored.content)
    result = {
        "file": str(args.out), "fileId": stored.file_id, "fileFormat": stored.file_format.upper(),
        "appId": stored.app_id, "keyId": stored.key_id, "storedAt": stored.stored_at.isoformat(),
        "signatureChecked": public_key is not None,
    }  # fmt: skip
    checked = "，应用系统签名核验通过" if public_key is not None else "（未核验签名）"
    return _done(args, result, f"已解密到 {args.out}{checked}")


@_guarded
def do_verify(args: argparse.Namespace) -> int:
    fmt = _format_of(args.file, args.format)
    private_key, app_id = _signer(args)
    try:
        checked = check_signature(_read(args.file), file_format=fmt, public_key=private_key.public_key)
    except UsageError as exc:
        raise VerificationFailed(str(exc)) from exc
    if checked.app_id != app_id:
        raise VerificationFailed(f"签名者为应用系统 {checked.app_id}，不是 {app_id}")
    when = checked.signed_at.isoformat() if checked.signed_at else ""
    result = {"ok": True, "appId": checked.app_id, "signedAt": when, "signer": checked.signer_fingerprint}
    return _done(args, result, f"应用系统签名核验通过：{checked.app_id}，签名时间 {when}")


@_guarded
def do_original(args: argparse.Namespace) -> int:
    fmt = _format_of(args.file, args.format)
    try:
        original = original_revision(_read(args.file), fmt)
    except CertFileError as exc:
        raise UsageError(f"无法取出颁证地区签发的文件：{exc}") from exc
    _write(args.out, original)
    return _done(
        args, {"file": str(args.out), "bytes": len(original)}, f"已取出颁证地区签发的原文件：{args.out}"
    )


@_guarded
def do_list(args: argparse.Namespace) -> int:
    keys, _ = _keys()
    store_dir = _store_dir(args)
    rows = []
    for file_id in stored_ids(store_dir):
        try:
            stored = read_stored(file_id, store_dir=store_dir, master_keys=keys)
            rows.append({"fileId": file_id, "fileFormat": stored.file_format.upper(), "appId": stored.app_id,
                         "keyId": stored.key_id, "storedAt": stored.stored_at.isoformat(), "ok": True})  # fmt: skip
        except UsageError as exc:
            rows.append({"fileId": file_id, "ok": False, "error": str(exc)})
    if args.json:
        output.emit_json(rows)
    else:
        for row in rows:
            print(
                "\t".join(str(row.get(k, "")) for k in ("fileId", "fileFormat", "keyId", "storedAt", "error"))
            )
    return exitcodes.VERIFICATION_FAILED if any(not row["ok"] for row in rows) else 0


@_guarded
def do_rewrap(args: argparse.Namespace) -> int:
    keys, current = _keys()
    store_dir = _store_dir(args)
    ids = args.file_ids or stored_ids(store_dir)
    moved = [
        file_id
        for file_id in ids
        if rewrap(file_id, store_dir=store_dir, master_keys=keys, current_key_id=current) != current
    ]
    return _done(
        args, {"keyId": current, "rewrapped": moved}, f"已改用主密钥 {current} 封装 {len(moved)} 个文件"
    )


def _file_options(parser: argparse.ArgumentParser, *, out: bool) -> None:
    parser.add_argument("file", type=Path, help="PDF 或 OFD 证照文件")
    parser.add_argument("--format", type=str.lower, choices=["pdf", "ofd"], help="文件格式（默认按内容判断）")
    if out:
        parser.add_argument("--out", type=Path, required=True, help="输出文件（权限 600）")


def _use_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("用证信息（水印内容）")
    group.add_argument("--scenario-name", required=True, help="用证清单（场景）名称")
    group.add_argument("--biz-num", required=True, help="业务编号 bizNum")
    group.add_argument("--item-org", required=True, help="调用单位名称 itemOrg")
    group.add_argument("--time", help="获取时间（ISO 8601，默认现在）")


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="加密存储目录（默认 YSJ_STORE_DIR 或 ~/.local/share/ysj/store）")


def register(subparsers: argparse._SubParsersAction) -> None:
    use = add_command(subparsers, "use", help="11.4 用证处理：水印、应用系统签名、加密存储")
    commands = use.add_subparsers(dest="use_command", metavar="操作")
    commands.required = True

    sub = add_command(commands, "apply", help="加水印、以应用私钥签名并加密存储，输出文件标识")
    _file_options(sub, out=False)
    _use_options(sub)
    _store_option(sub)
    sub.set_defaults(func=do_apply)

    sub = add_command(commands, "watermark", help="为每一页加用证水印")
    _file_options(sub, out=True)
    _use_options(sub)
    sub.set_defaults(func=do_watermark)

    sub = add_command(commands, "sign", help="以应用系统私钥签名（保留颁证地区签名）")
    _file_options(sub, out=True)
    sub.set_defaults(func=do_sign)

    sub = add_command(commands, "store", help="以 SM4-GCM 加密存储（主密钥见 YSJ_STORE_KEYS）")
    _file_options(sub, out=False)
    _store_option(sub)
    sub.set_defaults(func=do_store)

    sub = add_command(commands, "open", help="解密存储的文件，校验完整性与应用系统签名")
    sub.add_argument("file_id", help="文件标识")
    sub.add_argument("--out", type=Path, required=True, help="输出文件（权限 600）")
    sub.add_argument("--no-verify", action="store_true", help="不核验应用系统签名（仍校验完整性）")
    _store_option(sub)
    sub.set_defaults(func=do_open)

    sub = add_command(commands, "verify", help="以本应用公钥核验文件上的应用系统签名")
    _file_options(sub, out=False)
    sub.set_defaults(func=do_verify)

    sub = add_command(commands, "original", help="从加水印、签名后的文件取出颁证地区签发的原文件")
    _file_options(sub, out=True)
    sub.set_defaults(func=do_original)

    sub = add_command(commands, "list", help="列出加密存储的文件（逐个校验）")
    _store_option(sub)
    sub.set_defaults(func=do_list)

    sub = add_command(commands, "rewrap", help="把文件的数据密钥改由当前主密钥封装（主密钥轮换）")
    sub.add_argument("file_ids", nargs="*", help="文件标识（默认全部）")
    _store_option(sub)
    sub.set_defaults(func=do_rewrap)
