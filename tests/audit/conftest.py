from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ..factories import RegionFactory


@pytest.fixture
def regions() -> dict[str, Any]:
    return {code: RegionFactory(code=code) for code in ("SH", "JS", "ZJ", "AH")}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
