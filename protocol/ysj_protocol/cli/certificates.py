"""Calls of one business case: ``search`` (12.1.5), ``files`` (12.1.6/12.1.7), ``info`` (12.1.8/12.1.9),
``fetch`` (12.1.6, the download, then 11.4) and ``verify`` (locally, and through the hub: 12.1.10)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
from pathlib import Path

from ..app import Case, Client
from ..app.errors import ConfigError, VerificationFailed
from ..certfile.verify import VerificationCode, verify_file
from . import output
from .account import holder_options
from .main import add_command, client, settings


def audit_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("审计字段（每次调用随带）")
    group.add_argument("--item-code", required=True, help="场景或业务编号（用证清单编码）")
    group.add_argument("--item-name", help="场景或业务名称（默认同编号）")
    group.add_argument("--use-for", default="办理业务", help="查询事由")
    group.add_argument("--item-org", help="调用单位名称（默认配置中的 corp_name）")
    group.add_argument("--operator", help="实际调用操作人员（默认 YSJ_OPERATOR 或登录名）")
    group.add_argument("--biz-num", help="业务编号（默认随机生成）")


def case_for(app: Client, args: argparse.Namespace) -> Case:
    return app.case(
        use_for=args.use_for,
        item_name=args.item_name or args.item_code,
        item_code=args.item_code,
        item_org=args.item_org or app.corp_name or app.app_id,
        operator=args.operator or os.environ.get("YSJ_OPERATOR") or getpass.getuser(),
        biz_num=args.biz_num or "",
    )


def trusted_token(app: Client, args: argparse.Namespace) -> str:
    """``--token``, else a holder token obtained first (12.2.3) from the holder options."""
    if args.token:
        return args.token
    if not (args.id_no or args.qr_code):
        raise ConfigError("请给出持证主体令牌 --token，或 --id-no/--name（或 --qr-code）以先申领令牌")
    return app.holder_token(
        id_no=args.id_no or "",
        name=args.name or "",
        auth_type=args.auth_type or "",
        qr_code=args.qr_code or "",
        permission=args.permission or "",
        encrypt_id=args.encrypt_id,
    ).trusted_token


def search(args: argparse.Namespace) -> int:
    with client(args) as app:
        token = trusted_token(app, args)
        with case_for(app, args) as case:
            found = case.search(token, certificate_type=args.type or "", certificate_number=args.number or "")
    if args.json:
        output.emit_json(
            {
                "total": found.total,
                "dataList": found.certificates,
                "unavailableRegions": found.unavailable_regions,
            }
        )
        return 0
    output.table(
        ["证照标识（十分钟有效）", "证照类型", "颁证机关", "照面编号", "颁证日期"],
        [
            (c.certificate_id, c.certificate_type, c.issue_dept, c.certificate_number, c.issue_date)
            for c in found.certificates
        ],
    )
    print(f"共 {found.total} 条")
    if found.unavailable_regions:
        print(f"未应答的地区：{'、'.join(found.unavailable_regions)}（结果可能不全）")
    return 0


def files(args: argparse.Namespace) -> int:
    with client(args) as app, case_for(app, args) as case:
        if args.id:
            links = case.files_by_id(args.id, file_format=args.format or "")
        else:
            links = case.files_by_holder(trusted_token(app, args), file_format=args.format or "")
    if args.json:
        output.emit_json(
            {"total": links.total, "dataList": links.links, "unavailableRegions": links.unavailable_regions}
        )
        return 0
    output.table(
        ["证照类型", "照面编号", "格式", "下载地址（一次性）"],
        [
            (link.certificate_type, link.certificate_number, link.file_format, link.file_url)
            for link in links.links
        ],
    )
    return 0


def info(args: argparse.Namespace) -> int:
    with client(args) as app, case_for(app, args) as case:
        found = case.info_by_id(args.id) if args.id else case.info_by_holder(trusted_token(app, args))
    if args.json:
        output.emit_json(
            {
                "total": found.total,
                "dataList": found.certificates,
                "unavailableRegions": found.unavailable_regions,
            }
        )
        return 0
    output.table(
        ["证照类型", "持证主体", "照面编号", "颁证机关", "颁证日期", "有效期至"],
        [
            (
                c.certificate_type,
                c.holder,
                c.certificate_number,
                c.issue_dept,
                c.issue_date,
                c.valid_end or "长期",
            )
            for c in found.certificates
        ],
    )
    return 0


def fetch(args: argparse.Namespace) -> int:
    loaded = settings(args)
    with loaded.client() as app, case_for(app, args) as case:
        bar = output.ProgressBar(f"下载 {args.id[:12]}…", force=args.progress)
        link, download = case.fetch(args.id, file_format=args.format, progress=bar)
        bar.done()
        if args.raw:
            if not args.out:
                raise ConfigError("--raw 须同时给出 --out 文件路径")
            args.out.write_bytes(download.content)
            os.chmod(args.out, 0o600)
            result = {"file": str(args.out), "bytes": len(download.content), "fileFormat": link.file_format}
        else:
            try:
                from ..usage import MasterKeyError, UsageError, UseContext, apply_11_4, parse_master_keys
            except ImportError as exc:
                raise ConfigError(f"本版本不含 11.4 用证处理（ysj_protocol.usage）：{exc}") from exc
            try:
                master_keys, current = parse_master_keys(os.environ.get("YSJ_STORE_KEYS", ""))
            except MasterKeyError as exc:
                raise ConfigError(str(exc)) from exc
            store_dir = Path(
                args.store or os.environ.get("YSJ_STORE_DIR") or Path.home() / ".local/share/ysj/store"
            )
            use = UseContext(
                scenario_name=case.audit.item_name,
                biz_num=case.audit.biz_num,
                item_org=case.audit.item_org,
                time=dt.datetime.now().astimezone(),
            )
            try:
                file_id = apply_11_4(
                    download.content,
                    file_format=link.file_format,
                    use=use,
                    private_key=app.private_key,
                    app_id=app.app_id,
                    store_dir=store_dir,
                    master_keys=master_keys,
                    current_key_id=current,
                )
            except MasterKeyError as exc:
                raise ConfigError(str(exc)) from exc
            except UsageError as exc:
                raise VerificationFailed(f"11.4 用证处理失败：{exc}") from exc
            result = {
                "fileId": file_id,
                "storeDir": str(store_dir),
                "bytes": len(download.content),
                "fileFormat": link.file_format,
                "bizNum": case.audit.biz_num,
            }
    if args.json:
        output.emit_json(result)
    elif args.raw:
        print(f"已下载 {result['bytes']} 字节到 {result['file']}（未做 11.4 用证处理）")
    else:
        print(
            f"已下载 {result['bytes']} 字节，已加水印、以应用私钥签名并加密存储：文件标识 {result['fileId']}"
        )
    return 0


def _format_of(path: Path, given: str | None) -> str:
    if given:
        return given.upper()
    head = path.open("rb").read(4)
    if head.startswith(b"%PDF"):
        return "PDF"
    if head.startswith(b"PK"):
        return "OFD"
    return path.suffix.lstrip(".").upper()


def _own_application_key(loaded):  # noqa: ANN001, ANN202 - the loaded settings; a key lookup
    """This application's own public key, for a file it watermarked and countersigned (11.4)."""
    if not (loaded.app_id and loaded.key_file):
        return None
    try:
        public = loaded.private_key().public_key
    except ConfigError:
        return None
    return lambda app_id: public if app_id == loaded.app_id else None


def verify(args: argparse.Namespace) -> int:
    content = args.file.read_bytes()
    file_format = _format_of(args.file, args.format)
    loaded = settings(args)
    region_keys = loaded.witness_keys()
    local = verify_file(content, file_format, region_keys.get, _own_application_key(loaded))
    result: dict[str, object] = {
        "local": {
            "ok": local.ok,
            "code": str(local.code),
            "reason": local.reason,
            "regionCode": local.region_code,
            "certificateNumber": local.certificate_number,
            "signer": local.signer_fingerprint,
        }
    }
    hub_ok = True
    if args.hub:
        if not args.item_code:
            raise ConfigError("经融合共享服务系统核验（--hub）须给出 --item-code 等审计字段")
        with loaded.client() as app, case_for(app, args) as case:
            verdict = case.verify(content, file_format)
        hub_ok = verdict.ok
        result["hub"] = verdict
    # A file whose signature and integrity hold, its region's key not configured here: the hub's
    # 12.1.10 (which knows every region's key) decides; without --hub it is not verified.
    unchecked_signer = local.code == VerificationCode.REGION_KEY_UNKNOWN
    local_ok = local.ok or (unchecked_signer and args.hub)
    if args.json:
        output.emit_json(result)
    else:
        if unchecked_signer:
            print(
                f"本地核验：签名与完整性通过，未配置颁证地区 {local.detail} 的公钥（region_keys），签名者未核对"
            )
        else:
            print(
                f"本地核验：{'通过' if local.ok else '未通过'}（{local.reason}）"
                + (f" 颁证地区 {local.region_code} 照面编号 {local.certificate_number}" if local.ok else "")
            )
        if args.hub:
            hub = result["hub"]
            print(
                f"12.1.10 核验：{'通过' if hub.ok else '未通过'}（{hub.reason}）"  # type: ignore[union-attr]
                + (f" 当前状态 {hub.certificate_status}" if hub.certificate_status else "")  # type: ignore[union-attr]
            )
    if not (local_ok and hub_ok):
        if args.json:
            return 4
        raise VerificationFailed("文件核验未通过")
    return 0


def _holder_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", help="持证主体可信身份信息令牌（不给则按下列持证主体选项先申领）")
    holder_options(parser)


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = add_command(subparsers, "search", help="电子证照检索（12.1.5），以表格列出")
    _holder_args(sub)
    sub.add_argument("--type", help="证照类型名称")
    sub.add_argument("--number", help="证照照面编号")
    audit_options(sub)
    sub.set_defaults(func=search)

    sub = add_command(
        subparsers, "files", help="证照文件下载地址（12.1.6 按标识 --id，或 12.1.7 按持证主体）"
    )
    sub.add_argument("--id", help="证照标识 certificateID")
    _holder_args(sub)
    sub.add_argument("--format", type=str.upper, choices=["PDF", "OFD"])
    audit_options(sub)
    sub.set_defaults(func=files)

    sub = add_command(subparsers, "info", help="证照信息（12.1.8 按标识 --id，或 12.1.9 按持证主体）")
    sub.add_argument("--id", help="证照标识 certificateID")
    _holder_args(sub)
    audit_options(sub)
    sub.set_defaults(func=info)

    sub = add_command(
        subparsers, "fetch", help="下载证照文件（12.1.6）并做 11.4 用证处理（水印、签名、加密存储）"
    )
    sub.add_argument("id", help="证照标识 certificateID（十分钟有效）")
    sub.add_argument("--format", type=str.upper, choices=["PDF", "OFD"], default="PDF")
    sub.add_argument("--store", help="加密存储目录（默认 YSJ_STORE_DIR 或 ~/.local/share/ysj/store）")
    sub.add_argument("--raw", action="store_true", help="只下载原文件到 --out，不做 11.4 处理")
    sub.add_argument("--out", type=Path, help="--raw 时的输出文件")
    sub.add_argument("--progress", action="store_true", help="总是显示进度条")
    audit_options(sub)
    sub.set_defaults(func=fetch)

    sub = add_command(subparsers, "verify", help="核验 PDF/OFD 证照文件：本地，加 --hub 再经 12.1.10")
    sub.add_argument("file", type=Path)
    sub.add_argument("--format", type=str.upper, choices=["PDF", "OFD"])
    sub.add_argument("--hub", action="store_true", help="同时经融合共享服务系统核验（12.1.10）")
    group = sub.add_argument_group("审计字段（--hub 时）")
    group.add_argument("--item-code")
    group.add_argument("--item-name")
    group.add_argument("--use-for", default="核验证照文件")
    group.add_argument("--item-org")
    group.add_argument("--operator")
    group.add_argument("--biz-num")
    sub.set_defaults(func=verify)
