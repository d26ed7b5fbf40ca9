"""11.4: obtained certificate files stored encrypted (SM4-GCM), with rotating master keys.

Each file gets a random 16-byte data key; the content is SM4-GCM encrypted under it, and the
data key is SM4-GCM wrapped under a master key named by its key ID (``YSJ_STORE_KEYS`` in the
command line: ``k2:<32 hex>,k1:<32 hex>``, the first the current one). One file
``<store_dir>/<file id>.ysj``, mode 600::

    "YSJSTORE" 0x01
    u16 length | meta: canonical JSON {"appId", "fileId", "format", "storedAt", "v"}
    u16 length | wrap: canonical JSON {"keyId", "wrappedKey": hex(nonce || wrapped data key || tag)}
    nonce (12) || ciphertext || tag (16)          content under the data key, AAD = magic || meta

The meta is authenticated by the content's tag, the wrap by the wrapped key's tag (whose AAD
binds the key ID and the meta), and both must be in canonical form: a changed byte anywhere
fails to open with `StoredFileCorrupted`. Rotating: give the new key first and keep the old ones;
old files open under the key ID they name, and `rewrap` moves one to the current key without
touching its content. A key ID not given fails with `MasterKeyMissing`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ysj_protocol.crypto import sm2, sm4
from ysj_protocol.crypto.errors import CryptoError

from .errors import (
    MasterKeyError,
    MasterKeyMissing,
    SignatureMismatch,
    StoredFileCorrupted,
    StoreError,
    UsageError,
)
from .watermark import normalise_format

MAGIC = b"YSJSTORE\x01"
SUFFIX = ".ysj"
VERSION = 1
DATA_KEY_SIZE = sm4.KEY_SIZE
_FILE_ID = re.compile(r"[0-9a-f]{32}")
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
#: Environment variable the command line reads the master keys from.
KEYS_VARIABLE = "YSJ_STORE_KEYS"


def parse_master_keys(text: str) -> tuple[dict[str, bytes], str]:
    """``"k2:<hex>,k1:<hex>"`` -> ({key id: 16-byte key}, the first key ID, the current one)."""
    keys: dict[str, bytes] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        key_id, sep, hex_key = part.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise MasterKeyError(
                f"{KEYS_VARIABLE} 格式应为 <密钥标识>:<32 位十六进制>，以逗号分隔，第一个为当前密钥"
            )
        try:
            key = bytes.fromhex(hex_key.strip())
        except ValueError:
            key = b""
        if len(key) != DATA_KEY_SIZE:
            raise MasterKeyError(f"主密钥 {key_id} 应为 32 位十六进制（16 字节 SM4 密钥）")
        if key_id in keys:
            raise MasterKeyError(f"主密钥标识 {key_id} 重复")
        keys[key_id] = key
    if not keys:
        raise MasterKeyError(f"未提供存储主密钥（{KEYS_VARIABLE}）")
    return keys, next(iter(keys))


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_format: str
    app_id: str
    stored_at: datetime
    key_id: str
    content: bytes


def _canonical(value: dict[str, object]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _wrap_aad(key_id: str, meta: bytes) -> bytes:
    return b"ysj-store-wrap\x00" + key_id.encode("ascii") + b"\x00" + meta


def _master(master_keys: Mapping[str, bytes], key_id: str) -> bytes:
    try:
        key = master_keys[key_id]
    except KeyError:
        raise MasterKeyMissing(f"主密钥 {key_id} 不可用：请在 {KEYS_VARIABLE} 中保留该密钥") from None
    if len(key) != DATA_KEY_SIZE:
        raise MasterKeyError(f"主密钥 {key_id} 应为 16 字节")
    return key


def path_for(store_dir: Path, file_id: str) -> Path:
    if not isinstance(file_id, str) or not _FILE_ID.fullmatch(file_id):
        raise StoreError(f"存储文件标识无效：{file_id!r}（应为 32 位小写十六进制）")
    return Path(store_dir) / f"{file_id}{SUFFIX}"


def _wrap_section(data_key: bytes, meta: bytes, master_keys: Mapping[str, bytes], key_id: str) -> bytes:
    wrapped = sm4.gcm_encrypt(_master(master_keys, key_id), data_key, aad=_wrap_aad(key_id, meta))
    return _canonical({"keyId": key_id, "wrappedKey": wrapped.hex()})


def _assemble(meta: bytes, wrap: bytes, body: bytes) -> bytes:
    return MAGIC + struct.pack(">H", len(meta)) + meta + struct.pack(">H", len(wrap)) + wrap + body


def _write_private(path: Path, content: bytes) -> None:
    """Write atomically, readable and writable by the owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def store(
    data: bytes,
    *,
    file_format: str,
    store_dir: Path,
    master_keys: Mapping[str, bytes],
    current_key_id: str,
    app_id: str = "",
) -> str:
    """Encrypt and write `data`; returns its file ID."""
    fmt = normalise_format(file_format)
    file_id = secrets.token_hex(16)
    meta = _canonical(
        {
            "appId": app_id,
            "fileId": file_id,
            "format": fmt,
            "storedAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "v": VERSION,
        }
    )
    data_key = secrets.token_bytes(DATA_KEY_SIZE)
    wrap = _wrap_section(data_key, meta, master_keys, current_key_id)
    body = sm4.gcm_encrypt(data_key, bytes(data), aad=MAGIC + meta)
    _write_private(path_for(store_dir, file_id), _assemble(meta, wrap, body))
    return file_id


@dataclass(frozen=True)
class _Parsed:
    meta_raw: bytes
    meta: dict[str, object]
    key_id: str
    wrapped: bytes
    body: bytes


def _parse(raw: bytes, file_id: str) -> _Parsed:
    corrupted = StoredFileCorrupted(f"存储文件 {file_id} 已损坏或被篡改")
    if not raw.startswith(MAGIC):
        raise corrupted
    position = len(MAGIC)
    sections = []
    for _ in range(2):
        if len(raw) < position + 2:
            raise corrupted
        (length,) = struct.unpack_from(">H", raw, position)
        position += 2
        section = raw[position : position + length]
        if len(section) != length:
            raise corrupted
        try:
            value = json.loads(section)
        except (ValueError, UnicodeDecodeError):
            raise corrupted from None
        if not isinstance(value, dict) or _canonical(value) != section:
            raise corrupted
        sections.append((section, value))
        position += length
    (meta_raw, meta), (_, wrap) = sections
    key_id, wrapped = wrap.get("keyId"), wrap.get("wrappedKey")
    if (
        meta.get("v") != VERSION
        or meta.get("fileId") != file_id
        or meta.get("format") not in ("pdf", "ofd")
        or not isinstance(key_id, str)
        or not _KEY_ID.fullmatch(key_id)
        or not isinstance(wrapped, str)
    ):
        raise corrupted
    try:
        wrapped_bytes = bytes.fromhex(wrapped)
    except ValueError:
        raise corrupted from None
    return _Parsed(meta_raw, meta, key_id, wrapped_bytes, raw[position:])


def _data_key(parsed: _Parsed, master_keys: Mapping[str, bytes], file_id: str) -> bytes:
    master = _master(master_keys, parsed.key_id)
    try:
        data_key = sm4.gcm_decrypt(master, parsed.wrapped, aad=_wrap_aad(parsed.key_id, parsed.meta_raw))
    except CryptoError:
        raise StoredFileCorrupted(
            f"存储文件 {file_id} 的数据密钥无法解开：文件被篡改，或主密钥 {parsed.key_id} 不是当初的密钥"
        ) from None
    if len(data_key) != DATA_KEY_SIZE:
        raise StoredFileCorrupted(f"存储文件 {file_id} 已损坏或被篡改")
    return data_key


def _read(store_dir: Path, file_id: str) -> bytes:
    path = path_for(store_dir, file_id)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"存储文件 {file_id} 不存在") from None
    except OSError as exc:
        raise StoreError(f"存储文件 {file_id} 无法读取：{exc.strerror}") from None


def read_stored(
    file_id: str,
    *,
    store_dir: Path,
    master_keys: Mapping[str, bytes],
    public_key: sm2.PublicKey | None = None,
) -> StoredFile:
    """Decrypt a stored file, checking the GCM tags and, with `public_key`, the application's signature."""
    parsed = _parse(_read(store_dir, file_id), file_id)
    data_key = _data_key(parsed, master_keys, file_id)
    try:
        content = sm4.gcm_decrypt(data_key, parsed.body, aad=MAGIC + parsed.meta_raw)
    except CryptoError:
        raise StoredFileCorrupted(f"存储文件 {file_id} 的内容已被篡改（SM4-GCM 校验失败）") from None
    fmt = str(parsed.meta["format"])
    if public_key is not None:
        from .signing import check_signature

        try:
            check_signature(content, file_format=fmt, public_key=public_key)
        except UsageError as exc:
            raise SignatureMismatch(f"存储文件 {file_id}：{exc}") from exc
    return StoredFile(
        file_id=file_id,
        file_format=fmt,
        app_id=str(parsed.meta.get("appId") or ""),
        stored_at=datetime.strptime(str(parsed.meta["storedAt"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
        key_id=parsed.key_id,
        content=content,
    )


def open_stored(
    file_id: str,
    *,
    store_dir: Path,
    master_keys: Mapping[str, bytes],
    public_key: sm2.PublicKey | None = None,
) -> bytes:
    """The stored file's bytes; see `read_stored`."""
    return read_stored(file_id, store_dir=store_dir, master_keys=master_keys, public_key=public_key).content


def rewrap(file_id: str, *, store_dir: Path, master_keys: Mapping[str, bytes], current_key_id: str) -> str:
    """Wrap a file's data key under the current master key; returns the key ID it had.

    The content is not re-encrypted (its key does not change), so the old master key can be
    retired once every file names the new one.
    """
    raw = _read(store_dir, file_id)
    parsed = _parse(raw, file_id)
    data_key = _data_key(parsed, master_keys, file_id)
    if parsed.key_id != current_key_id:
        wrap = _wrap_section(data_key, parsed.meta_raw, master_keys, current_key_id)
        _write_private(path_for(store_dir, file_id), _assemble(parsed.meta_raw, wrap, parsed.body))
    return parsed.key_id


def stored_ids(store_dir: Path) -> list[str]:
    """The IDs of the files in `store_dir`, sorted."""
    directory = Path(store_dir)
    if not directory.is_dir():
        return []
    return sorted(
        path.name[: -len(SUFFIX)]
        for path in directory.iterdir()
        if path.name.endswith(SUFFIX) and _FILE_ID.fullmatch(path.name[: -len(SUFFIX)])
    )
