"""A publishing process hung inside its transaction must not stall the regions' deliveries.

Publishing locks the four regions' channel rows (their sequence counters) until it commits. A
process that hangs there (here: frozen with SIGSTOP, its connection still open) used to hold them,
and with them every region's delivery lease, for as long as it hung. PostgreSQL now ends a session
left idle in a transaction (``DB_IDLE_IN_TRANSACTION_TIMEOUT``), so the locks go with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from catalog import delivery
from catalog import services as catalog_services
from catalog.models import DeliveryState, PublicationDelivery

from ..catalog.factories import CatalogEntryFactory
from ..factories import no_delivery
from ..publication.helpers import continue_sequences, node_publications, wait_for
from ..regional import REPO_ROOT
from .processes import hub_env

pytestmark = pytest.mark.django_db(transaction=True)

#: The hung session is ended after 3 s here; the delivery must go through well within this.
RECOVERY_BOUND_SECONDS = 30.0


def stopped(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("T")


def test_a_publisher_hung_in_its_transaction_releases_the_regions(postgresql, live_regions, regional_nodes,
                                                                   django_user_model, tmp_path):
    base = continue_sequences(live_regions, regional_nodes)
    editor = django_user_model.objects.create_user("editor", password="Editor-pass-1", is_staff=True)
    with no_delivery():  # a publication waiting for delivery to every region
        catalog_services.publish_entry(CatalogEntryFactory(), actor=editor)
    hung_entry = CatalogEntryFactory()
    env = hub_env(EDITOR="editor", ENTRY_ID=str(hung_entry.pk), DB_IDLE_IN_TRANSACTION_TIMEOUT="3")
    with (tmp_path / "hung.log").open("wb") as log:
        hung = subprocess.Popen([sys.executable, "-m", "tests.faults.freeze_in_transaction"], cwd=REPO_ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: hung.poll() is None and stopped(hung.pid), timeout=60), \
            (tmp_path / "hung.log").read_text()
        with connection.cursor() as cursor:  # should the fix fail, fail this test instead of hanging it
            cursor.execute("SET lock_timeout = '60s'")
        started = time.monotonic()
        reports = [delivery.deliver_region(region.pk) for region in live_regions.values()]
        elapsed = time.monotonic() - started
    finally:
        os.kill(hung.pid, signal.SIGKILL)
        hung.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    print(f"deliveries behind a hung publisher went through after {elapsed:.1f} s")
    assert all(report.claimed and len(report.delivered) == 1 for report in reports)
    assert elapsed < RECOVERY_BOUND_SECONDS
    assert PublicationDelivery.objects.exclude(state=DeliveryState.DELIVERED).count() == 0  # the hung one never committed
    for node in regional_nodes:
        assert len(node_publications(node, base[node.code])) == 1
