"""Checkpoints of the evidence log lacking a witness, on the home page and behind its link."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from dashboard import services
from evidence.models import Checkpoint

from ..factories import all_regions
from .factories import superuser

pytestmark = pytest.mark.django_db


def checkpoint(size: int, age: timedelta) -> Checkpoint:
    return Checkpoint.objects.create(
        size=size, root=bytes(32), note=f"checkpoint {size}\n", created_at=timezone.now() - age
    )


def test_a_checkpoint_past_the_grace_without_cosignatures_is_listed_and_linked(settings):
    settings.EVIDENCE_WITNESS_ALERT_SECONDS = 60
    all_regions()
    checkpoint(5, timedelta(seconds=5))  # within the grace: the witnesses still have time
    assert services.home_figures(user=superuser()).unwitnessed == []
    checkpoint(3, timedelta(minutes=10))
    figures = services.home_figures(user=superuser("root2"))
    assert len(figures.unwitnessed) == 1
    assert figures.unwitnessed[0].checkpoint.size == 3
    assert set(figures.unwitnessed[0].regions) == {"SH", "JS", "ZJ", "AH"}

    client = Client()
    client.force_login(superuser("root3"))
    html = client.get("/admin/").content.decode()
    match = re.search(r'<a class="dashboard-number" id="unwitnessed-count" href="([^"]+)">(\d+)<', html)
    assert match and match.group(2) == "1"
    response = client.get(unescape(match.group(1)))
    assert response.status_code == 200
    assert [c.size for c in response.context["cl"].result_list] == [3]
