"""SM2 private keys kept in files (mode 600) or environment variables, for every party.

The hub, the regional nodes and application systems keep their private key out of any database:
in a variable holding the hex, or in a file whose first non-comment line is the hex.
"""

from __future__ import annotations

import os
from pathlib import Path

from .crypto import sm2
from .crypto.errors import CryptoError


class KeyConfigError(ValueError):
    """A private key that is missing or invalid; the message says where it was looked for."""


def read_private_key_file(path: Path) -> str:
    """The hex private key of a key file: its first line that is not a comment."""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line
    return ""


def private_file(path: Path) -> Path:
    """``path``, created empty when missing, readable and writable by its owner only.

    For files that hold secrets or personal data (SQLite databases, key files): created with
    mode 600 rather than by the umask, and an existing file that is looser is tightened.
    SQLite gives its journal and WAL files the mode of the database file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def write_private_key_file(path: Path, key: sm2.PrivateKey) -> None:
    """Write a key file readable by its owner only (an existing file is tightened first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"# SM2 private key (hex). Public key: {key.public_key.hex()}\n{key.hex()}\n")


def ensure_key_file(path: Path) -> sm2.PrivateKey:
    """The key in ``path``, generated first when the file does not exist (demo set-up)."""
    if not path.exists():
        write_private_key_file(path, sm2.PrivateKey.generate())
    return sm2.PrivateKey.from_hex(read_private_key_file(path))


def load_private_key(private_hex: str, key_file: Path, *, variable: str, missing_hint: str) -> sm2.PrivateKey:
    """The key from ``variable``'s value, else from ``key_file``; KeyConfigError when neither works."""
    source = variable
    if not private_hex:
        if not key_file.exists():
            raise KeyConfigError(f"未找到 SM2 私钥：请设置 {variable}，或{missing_hint}（{key_file}）")
        private_hex = read_private_key_file(key_file)
        source = str(key_file)
    try:
        return sm2.PrivateKey.from_hex(private_hex)
    except CryptoError as exc:
        raise KeyConfigError(f"SM2 私钥无效（{source}）：{exc}") from exc
