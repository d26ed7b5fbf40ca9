"""11.4: using an obtained certificate file: watermark, signature, encrypted storage. Django-free.

    use = UseContext(scenario_name="不动产登记", biz_num="BIZ-001", item_org="某区不动产登记中心", time=now)
    file_id = apply_11_4(data, file_format="pdf", use=use, private_key=app_key, app_id="app-001",
                         store_dir=Path("store"), master_keys={"k1": key}, current_key_id="k1")
    data = open_stored(file_id, store_dir=Path("store"), master_keys={"k1": key},
                       public_key=app_key.public_key)

The steps are also separate (`watermark`, `sign`, `store`); the region's signature stays
verifiable through all of them (`ysj_protocol.certfile.countersign`), and the hub's 12.1.10 names
the application that countersigned.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ysj_protocol.certfile.countersign import original_revision
from ysj_protocol.crypto import sm2

from .context import UseContext
from .errors import (
    MasterKeyError,
    MasterKeyMissing,
    SignatureMismatch,
    StoredFileCorrupted,
    StoreError,
    UsageError,
)
from .signing import check_signature, sign
from .store import (
    KEYS_VARIABLE,
    StoredFile,
    open_stored,
    parse_master_keys,
    read_stored,
    rewrap,
    store,
    stored_ids,
)
from .watermark import watermark

__all__ = [
    "KEYS_VARIABLE",
    "MasterKeyError",
    "MasterKeyMissing",
    "SignatureMismatch",
    "StoreError",
    "StoredFile",
    "StoredFileCorrupted",
    "UsageError",
    "UseContext",
    "apply_11_4",
    "check_signature",
    "open_stored",
    "original_revision",
    "parse_master_keys",
    "read_stored",
    "rewrap",
    "sign",
    "store",
    "stored_ids",
    "watermark",
]


def apply_11_4(
    data: bytes,
    *,
    file_format: str,
    use: UseContext,
    private_key: sm2.PrivateKey,
    app_id: str,
    store_dir: Path,
    master_keys: Mapping[str, bytes],
    current_key_id: str,
) -> str:
    """Watermark, sign as the application, store encrypted; returns the stored file's ID."""
    marked = watermark(data, file_format=file_format, use=use)
    signed = sign(marked, file_format=file_format, private_key=private_key, app_id=app_id)
    check_signature(signed, file_format=file_format, public_key=private_key.public_key)
    return store(
        signed,
        file_format=file_format,
        store_dir=store_dir,
        master_keys=master_keys,
        current_key_id=current_key_id,
        app_id=app_id,
    )
