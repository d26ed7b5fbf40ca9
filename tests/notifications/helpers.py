"""Users and a fifth party for the notification tests."""

from __future__ import annotations

import socket

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from scenarios.permissions import CATALOG_EDITORS, ensure_groups
from ysj_protocol import regions
from ysj_protocol.regions import RegionInfo

from ..scenarios.factories import PASSWORD, region_admin

FIFTH = RegionInfo("JX", "江西省", "赣", "360000", 5, "江西")


def with_email(user, address: str | None = None):
    user.email = address or f"{user.username}@example.gov.cn"
    user.save(update_fields=["email"])
    return user


def catalog_editor(username: str = "catalog_editor", *, email: str = ""):
    ensure_groups()
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True, email=email)
    user.groups.add(Group.objects.get(name=CATALOG_EDITORS))
    return user


def join_fifth_party(monkeypatch):
    """Add a fifth row to the parties' table (every derived index follows) and an administrator of it."""
    table = (*regions.REGIONS, FIFTH)
    monkeypatch.setattr(regions, "REGIONS", table)
    monkeypatch.setattr(regions, "BY_CODE", {info.code: info for info in table})
    monkeypatch.setattr(regions, "BY_DIVISION", {info.division_code: info for info in table})
    monkeypatch.setattr(regions, "CODES", tuple(info.code for info in table))
    monkeypatch.setattr(regions, "CHOICES", [(info.code, info.name) for info in table])
    return region_admin(FIFTH.code)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
