"""Where the client and ``ysj`` find the provider, the account and the key.

Read in this order, later wins: the configuration file (``$YSJ_CONFIG``, else
``$XDG_CONFIG_HOME/ysj/config.toml``, else ``~/.config/ysj/config.toml``), the environment
variables, then explicit overrides (the command line's options). Keys of the file and variables:

============== ====================== ==================================================
file key        variable               meaning
============== ====================== ==================================================
base_url        YSJ_BASE_URL           the hub's base URL, or the region's relay ``<node>/ysj``
public_key      YSJ_HUB_PUBLIC_KEY     the provider's SM2 public key (hex): the hub's, or the region's for a relay
app_id          YSJ_APP_ID             appId
app_secret      YSJ_APP_SECRET         appSecret (for 12.2.1)
corp_name       YSJ_CORP_NAME          the unit's name, as registered (12.2.1)
corp_code       YSJ_CORP_CODE          the unit's unified social credit code (12.2.1)
key_file        YSJ_KEY_FILE           the application's SM2 private key file (hex, mode 600)
timeout         YSJ_TIMEOUT            seconds per call (default 30)
der             YSJ_DER                send ciphertexts in the GM/T 0009 DER form (default false)
evidence_url    YSJ_EVIDENCE_URL       where the evidence log is read (default: base_url)
log_public_key  YSJ_LOG_PUBLIC_KEY     the key checkpoints are signed with (default: public_key)
token_file      YSJ_TOKEN_FILE         where ``ysj`` keeps the access token between runs
============== ====================== ==================================================

A ``[region_keys]`` table maps region codes to their public keys (hex): the local verification
of certificate files and the witnesses' cosignatures of checkpoints use them.
"""

from __future__ import annotations

import json
import os
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..crypto import sm2
from ..crypto.errors import CryptoError
from ..keyfiles import private_file, read_private_key_file
from .errors import ConfigError

ENV = {
    "base_url": "YSJ_BASE_URL",
    "public_key": "YSJ_HUB_PUBLIC_KEY",
    "app_id": "YSJ_APP_ID",
    "app_secret": "YSJ_APP_SECRET",
    "corp_name": "YSJ_CORP_NAME",
    "corp_code": "YSJ_CORP_CODE",
    "key_file": "YSJ_KEY_FILE",
    "timeout": "YSJ_TIMEOUT",
    "der": "YSJ_DER",
    "evidence_url": "YSJ_EVIDENCE_URL",
    "log_public_key": "YSJ_LOG_PUBLIC_KEY",
    "token_file": "YSJ_TOKEN_FILE",
}


def default_config_path(env: Mapping[str, str] = os.environ) -> Path:
    if env.get("YSJ_CONFIG"):
        return Path(env["YSJ_CONFIG"]).expanduser()
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "ysj" / "config.toml"


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    base_url: str = ""
    public_key: str = ""
    app_id: str = ""
    app_secret: str = ""
    corp_name: str = ""
    corp_code: str = ""
    key_file: str = ""
    timeout: float = 30.0
    der: bool = False
    evidence_url: str = ""
    log_public_key: str = ""
    token_file: str = ""
    region_keys: dict[str, str] = field(default_factory=dict)
    source: str = ""

    # ------------------------------------------------------------------ keys
    def private_key(self) -> sm2.PrivateKey:
        if not self.key_file:
            raise ConfigError("未设置应用私钥文件（YSJ_KEY_FILE 或配置文件 key_file）")
        path = Path(self.key_file).expanduser()
        try:
            return sm2.PrivateKey.from_hex(read_private_key_file(path))
        except FileNotFoundError as exc:
            raise ConfigError(f"私钥文件不存在：{path}") from exc
        except (CryptoError, ValueError, OSError) as exc:
            raise ConfigError(f"私钥文件无效（{path}）：{exc}") from exc

    def provider_key(self) -> sm2.PublicKey:
        return _public_key(self.public_key, "融合共享服务系统公钥（YSJ_HUB_PUBLIC_KEY）")

    def log_key(self) -> sm2.PublicKey:
        return _public_key(self.log_public_key or self.public_key, "检查点签名公钥（YSJ_LOG_PUBLIC_KEY）")

    def witness_keys(self) -> dict[str, sm2.PublicKey]:
        return {
            code.upper(): _public_key(value, f"地区 {code} 公钥") for code, value in self.region_keys.items()
        }

    # ------------------------------------------------------------------ the client
    def client(self, **overrides: Any):  # noqa: ANN201 - Client, imported late to keep this module light
        from .client import Client

        store = TokenStore(Path(self.token_file).expanduser()) if self.token_file else None
        kept = store.load(self.base_url, self.app_id) if store else None
        options: dict[str, Any] = {
            "app_id": self.app_id,
            "private_key": self.private_key(),
            "provider_key": self.provider_key(),
            "app_secret": self.app_secret,
            "corp_name": self.corp_name,
            "corp_code": self.corp_code,
            "timeout": self.timeout,
            "der": self.der,
            "evidence_url": self.evidence_url,
            "log_key": self.log_key(),
            "witness_keys": self.witness_keys(),
        }
        if kept:
            options["access_token"], options["access_expires"] = kept
        if store:
            options["on_token"] = lambda registration: store.save(self.base_url, self.app_id, registration)
        options.update(overrides)
        return Client(self.base_url, **options)


def _public_key(value: str, what: str) -> sm2.PublicKey:
    if not value:
        raise ConfigError(f"未设置{what}")
    try:
        return sm2.PublicKey.from_hex(value.strip())
    except (CryptoError, ValueError) as exc:
        raise ConfigError(f"{what}无效：{exc}") from exc


def load_settings(
    *, path: Path | None = None, env: Mapping[str, str] | None = None, **overrides: Any
) -> Settings:
    """The settings from the file, then the environment, then ``overrides`` (None values ignored)."""
    env = os.environ if env is None else env
    path = path or default_config_path(env)
    values: dict[str, Any] = {}
    source = ""
    if path.is_file():
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"配置文件格式错误（{path}）：{exc}") from exc
        source = str(path)
    known = {f.name for f in fields(Settings)} - {"source"}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"配置文件（{path}）含未知的键：{', '.join(sorted(unknown))}")
    for name, variable in ENV.items():
        if env.get(variable):
            values[name] = env[variable]
    values.update({key: value for key, value in overrides.items() if value is not None})
    if "timeout" in values:
        try:
            values["timeout"] = float(values["timeout"])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"timeout 应为秒数：{values['timeout']!r}") from exc
    if "der" in values:
        values["der"] = _flag(values["der"])
    if not isinstance(values.get("region_keys", {}), dict):
        raise ConfigError("region_keys 应为表（地区代码 = 公钥）")
    return replace(Settings(), source=source, **{k: v for k, v in values.items() if k in known})


class TokenStore:
    """The access token kept between runs of ``ysj`` (a file of mode 600), per base URL and appId."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, base_url: str, app_id: str) -> tuple[str, float] | None:
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        entry = kept.get(f"{base_url.rstrip('/')} {app_id}") if isinstance(kept, dict) else None
        if not isinstance(entry, dict) or not entry.get("token"):
            return None
        expires = float(entry.get("expires") or 0)
        if expires and expires <= time.time():
            return None
        return str(entry["token"]), expires or None  # type: ignore[return-value]

    def save(self, base_url: str, app_id: str, registration: Any) -> None:
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(kept, dict):
                kept = {}
        except (OSError, ValueError):
            kept = {}
        expires = registration.expires_at.timestamp() if registration.expires_at else 0
        kept[f"{base_url.rstrip('/')} {app_id}"] = {"token": registration.access_token, "expires": expires}
        private_file(self.path)
        self.path.write_text(json.dumps(kept), encoding="utf-8")
