"""11.4 encrypted storage: SM4-GCM under a per-file data key, master keys that rotate, every byte checked."""

import os
import stat
from functools import cache

import pytest

from ysj_protocol.usage import (
    MasterKeyError,
    MasterKeyMissing,
    SignatureMismatch,
    StoredFileCorrupted,
    StoreError,
    apply_11_4,
    open_stored,
    parse_master_keys,
    read_stored,
    rewrap,
    sign,
    store,
    stored_ids,
)
from ysj_protocol.usage.store import MAGIC, path_for

from .factories import APP_ID, USE, app_key, genuine_ofd, genuine_pdf

K1 = bytes.fromhex("00112233445566778899aabbccddeeff")
K2 = bytes.fromhex("ffeeddccbbaa99887766554433221100")


@cache
def countersigned_pdf() -> bytes:
    return sign(genuine_pdf(), file_format="pdf", private_key=app_key(), app_id=APP_ID)


def put(tmp_path, content: bytes = b"%PDF-1.7 content", keys=None, current="k1") -> str:
    return store(
        content, file_format="pdf", store_dir=tmp_path, master_keys=keys or {"k1": K1}, current_key_id=current
    )


def test_round_trip_and_the_file_is_private(tmp_path):
    store_dir = tmp_path / "store"
    file_id = put(store_dir, countersigned_pdf())
    assert open_stored(file_id, store_dir=store_dir, master_keys={"k1": K1}) == countersigned_pdf()
    path = path_for(store_dir, file_id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store_dir.stat().st_mode) == 0o700
    raw = path.read_bytes()
    assert raw.startswith(MAGIC) and countersigned_pdf()[:4096] not in raw  # nothing in the clear
    assert stored_ids(store_dir) == [file_id]


def test_each_file_has_its_own_data_key(tmp_path):
    first, second = put(tmp_path), put(tmp_path)
    a, b = path_for(tmp_path, first).read_bytes(), path_for(tmp_path, second).read_bytes()
    assert a[-40:] != b[-40:]


def test_a_changed_byte_anywhere_is_detected(tmp_path):
    file_id = put(tmp_path, b"%PDF-1.7 " + os.urandom(200))
    path = path_for(tmp_path, file_id)
    raw = path.read_bytes()
    for index in range(len(raw)):
        for flip in (0x01, 0x80):
            altered = bytearray(raw)
            altered[index] ^= flip
            path.write_bytes(bytes(altered))
            with pytest.raises(StoreError) as caught:
                open_stored(file_id, store_dir=tmp_path, master_keys={"k1": K1})
            assert isinstance(caught.value, StoredFileCorrupted | MasterKeyMissing), (index, caught.value)
    path.write_bytes(raw)
    assert open_stored(file_id, store_dir=tmp_path, master_keys={"k1": K1}).startswith(b"%PDF-1.7 ")


def test_truncated_or_extended_files_are_detected(tmp_path):
    file_id = put(tmp_path)
    path = path_for(tmp_path, file_id)
    raw = path.read_bytes()
    for altered in (raw[:-1], raw + b"\x00", raw[:20], b""):
        path.write_bytes(altered)
        with pytest.raises(StoredFileCorrupted, match="已损坏或被篡改|已被篡改"):
            open_stored(file_id, store_dir=tmp_path, master_keys={"k1": K1})


def test_a_rotated_master_key_still_opens_old_files(tmp_path):
    old = put(tmp_path, b"old file", keys={"k1": K1}, current="k1")
    rotated = {"k2": K2, "k1": K1}
    new = put(tmp_path, b"new file", keys=rotated, current="k2")
    assert open_stored(old, store_dir=tmp_path, master_keys=rotated) == b"old file"
    assert open_stored(new, store_dir=tmp_path, master_keys=rotated) == b"new file"
    assert read_stored(old, store_dir=tmp_path, master_keys=rotated).key_id == "k1"
    # Rewrapped, the old file no longer needs k1; its content is not re-encrypted.
    body_before = path_for(tmp_path, old).read_bytes()[-24:]
    assert rewrap(old, store_dir=tmp_path, master_keys=rotated, current_key_id="k2") == "k1"
    assert path_for(tmp_path, old).read_bytes()[-24:] == body_before
    assert open_stored(old, store_dir=tmp_path, master_keys={"k2": K2}) == b"old file"
    assert stat.S_IMODE(path_for(tmp_path, old).stat().st_mode) == 0o600


def test_a_missing_key_id_is_a_clear_error(tmp_path):
    file_id = put(tmp_path, keys={"k1": K1}, current="k1")
    with pytest.raises(MasterKeyMissing, match="主密钥 k1 不可用"):
        open_stored(file_id, store_dir=tmp_path, master_keys={"k2": K2})


def test_another_key_under_the_same_id_is_detected(tmp_path):
    file_id = put(tmp_path, keys={"k1": K1}, current="k1")
    with pytest.raises(StoredFileCorrupted, match="主密钥 k1 不是当初的密钥"):
        open_stored(file_id, store_dir=tmp_path, master_keys={"k1": K2})


def test_the_signature_is_checked_on_reading(tmp_path):
    file_id = put(tmp_path, countersigned_pdf())
    key = app_key().public_key
    assert (
        open_stored(file_id, store_dir=tmp_path, master_keys={"k1": K1}, public_key=key)
        == countersigned_pdf()
    )
    from ysj_protocol.crypto import sm2

    with pytest.raises(SignatureMismatch, match="应用系统签名核验失败"):
        open_stored(
            file_id,
            store_dir=tmp_path,
            master_keys={"k1": K1},
            public_key=sm2.PrivateKey.generate().public_key,
        )
    unsigned = put(tmp_path, genuine_pdf())
    with pytest.raises(SignatureMismatch):
        open_stored(unsigned, store_dir=tmp_path, master_keys={"k1": K1}, public_key=key)


@pytest.mark.parametrize("fmt", ["pdf", "ofd"])
def test_apply_11_4_watermarks_signs_and_stores(tmp_path, fmt):
    original = genuine_pdf() if fmt == "pdf" else genuine_ofd()
    file_id = apply_11_4(
        original, file_format=fmt, use=USE, private_key=app_key(), app_id=APP_ID, store_dir=tmp_path,
        master_keys={"k1": K1}, current_key_id="k1",
    )  # fmt: skip
    stored = read_stored(file_id, store_dir=tmp_path, master_keys={"k1": K1}, public_key=app_key().public_key)
    assert stored.app_id == APP_ID and stored.file_format == fmt
    assert stored.content != original and len(stored.content) > len(original)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "未提供存储主密钥"),
        ("k1", "格式应为"),
        ("k1:00", "32 位十六进制"),
        ("k1:zz112233445566778899aabbccddeeff", "32 位十六进制"),
        (f"k1:{K1.hex()},k1:{K2.hex()}", "重复"),
        (f"bad id:{K1.hex()}", "格式应为"),
    ],
)
def test_master_keys_from_the_environment_are_checked(text, message):
    with pytest.raises(MasterKeyError, match=message):
        parse_master_keys(text)


def test_master_keys_first_is_current():
    keys, current = parse_master_keys(f" k2:{K2.hex()} , k1:{K1.hex().upper()} ")
    assert keys == {"k2": K2, "k1": K1} and current == "k2"


@pytest.mark.parametrize("file_id", ["../../etc/passwd", "A" * 32, "", "0" * 31])
def test_file_ids_are_checked_before_any_path_is_built(tmp_path, file_id):
    with pytest.raises(StoreError, match="存储文件标识无效"):
        open_stored(file_id, store_dir=tmp_path, master_keys={"k1": K1})


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="不存在"):
        open_stored("0" * 32, store_dir=tmp_path, master_keys={"k1": K1})
