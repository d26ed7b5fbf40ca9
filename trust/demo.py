"""Demo application systems, one service counter per region (for ``manage.py load_demo``).

Each gets an SM2 key pair written under ``var/keys/apps/<appId>.key`` (mode 600, never in the
database) and a demo appSecret kept next to it in ``<appId>.secret`` (mode 600). The hub itself
stores only the secret's salted hash, so without that file the demo could show the secret once and
never again; keeping it beside the key lets every start of the demo print what a developer needs
(``credentials``), and a file that no longer matches the stored hash is replaced by a new secret.
Regions themselves are provisioned by the demo launcher; an application is created only for the
regions that exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction

from ysj_protocol.crypto import sm2
from ysj_protocol.identifiers import uscc_check_char

from . import services
from .keys import read_private_key_file, write_private_key_file
from .models import ApplicationStatus, Region, TrustedApplication


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


#: appId, region, application name, corporation name, first 17 characters of its credit code.
DEMO_APPLICATIONS = (
    ("app-sh-counter", "SH", "上海一网通办综合窗口", "上海市大数据中心", "12310000MB2F32867"),
    ("app-js-counter", "JS", "江苏政务服务综合窗口", "江苏省大数据管理中心", "12320000MB1F45671"),
    ("app-zj-counter", "ZJ", "浙江政务服务综合窗口", "浙江省大数据发展管理局", "11330000MB1D23456"),
    ("app-ah-counter", "AH", "安徽政务服务综合窗口", "安徽省数据资源管理局", "11340000MB0C12345"),
)


def keys_dir() -> Path:
    return Path(settings.VAR_DIR) / "keys" / "apps"


def app_key(app_id: str) -> sm2.PrivateKey:
    """The demo application's private key, created on first use."""
    path = keys_dir() / f"{app_id}.key"
    if path.exists():
        return sm2.PrivateKey.from_hex(read_private_key_file(path))
    key = sm2.PrivateKey.generate()
    write_private_key_file(path, key)
    return key


def _write_secret(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT: tighten it
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")


def secret_path(app_id: str) -> Path:
    return keys_dir() / f"{app_id}.secret"


def _kept_secret(application: TrustedApplication) -> str:
    """The kept appSecret if it is still the one whose hash the hub stores, else ""."""
    path = secret_path(application.app_id)
    if not path.exists():
        return ""
    secret = path.read_text(encoding="utf-8").strip()
    if application.secret_hash and check_password(secret, application.secret_hash):
        return secret
    return ""


def _demo_secret(application: TrustedApplication) -> str:
    secret = _kept_secret(application)
    if secret:
        return secret
    path = secret_path(application.app_id)
    secret = services.allocate_secret(application)
    _write_secret(path, secret)
    return secret


@transaction.atomic
def load_applications() -> list[tuple[str, str]]:
    """Create or refresh the demo applications; (appId, appSecret) for each, to print."""
    regions = {region.code: region for region in Region.objects.all()}
    loaded = []
    for app_id, region_code, name, corp_name, corp_first17 in DEMO_APPLICATIONS:
        region = regions.get(region_code)
        if region is None:
            continue
        application, _ = TrustedApplication.objects.update_or_create(
            app_id=app_id,
            defaults={
                "name": name,
                "region": region,
                "corp_name": corp_name,
                "corp_code": _uscc(corp_first17),
                "contact_name": "演示联系人",
                "public_key": app_key(app_id).public_key.hex(),
                "status": ApplicationStatus.ACTIVE,
            },
        )
        loaded.append((app_id, _demo_secret(application)))
    return loaded


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    """What a developer needs to call the hub as one demo application (12.2.1 first)."""

    app_id: str
    app_secret: str  # "" when the kept secret no longer matches: run load_demo again
    region: str
    name: str
    corp_name: str
    corp_code: str
    key_path: Path
    public_key: str


def credentials() -> list[DemoCredentials]:
    """The demo applications as registered at the hub, in ``DEMO_APPLICATIONS`` order.

    Read back from the hub's rows and the kept files rather than from the table above, so that
    what the demo prints is what a registration call is checked against.
    """
    ids = [app_id for app_id, *_ in DEMO_APPLICATIONS]
    rows = {a.app_id: a for a in TrustedApplication.objects.filter(app_id__in=ids).select_related("region")}
    found = []
    for app_id in ids:
        application = rows.get(app_id)
        if application is None:
            continue
        found.append(
            DemoCredentials(
                app_id=app_id,
                app_secret=_kept_secret(application),
                region=application.region.code if application.region_id else "",
                name=application.name,
                corp_name=application.corp_name,
                corp_code=application.corp_code,
                key_path=keys_dir() / f"{app_id}.key",
                public_key=application.public_key,
            )
        )
    return found
