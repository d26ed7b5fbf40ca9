"""A Celery worker killed (SIGKILL) in the middle of a delivery to a slow region.

Two real worker processes and a real beat (the sweeper every two seconds) run on the test
database and the broker. The region's node answers slowly, so the worker holding the region's
lease is certainly in the middle of an HTTP call when it is killed. Its lease is no longer renewed;
the other worker takes the region over within one lease (15 s) plus a sweep, and the region ends up
with every publication exactly once, in order.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from catalog import services as catalog_services
from catalog.models import DeliveryState, PublicationChannel, PublicationDelivery

from ..catalog.factories import CatalogEntryFactory
from ..publication.helpers import continue_sequences, node_publications, wait_for
from .processes import celery_process

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

#: A dead worker's region must be delivered to again within this (lease 15 s + sweep 2 s + sends).
RECOVERY_BOUND_SECONDS = 30.0


def test_a_killed_workers_region_is_taken_over_within_one_lease(broker_queue, live_regions, regional_nodes,
                                                                   tmp_path, django_user_model):
    base = continue_sequences(live_regions, regional_nodes)
    sh = live_regions["SH"]
    sh.timeout_seconds = 30  # the slow node must not time out: the worker is killed, not failed
    sh.save()
    regional_nodes["SH"].set_delay(6000)
    settings = {"CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"], "CELERY_TASK_DEFAULT_QUEUE": broker_queue,
                "YSJ_PUBLICATION_SWEEP_SECONDS": "2", "YSJ_PUBLICATION_LEASE_SECONDS": "15"}
    worker_args = ("-P", "threads", "-c", "2", "-Q", broker_queue, "--without-gossip", "--without-mingle")
    with celery_process("worker", tmp_path / "a.log", *worker_args, "-n", "a@%h", **settings) as a, \
            celery_process("worker", tmp_path / "b.log", *worker_args, "-n", "b@%h", **settings) as b, \
            celery_process("beat", tmp_path / "beat.log", "-s", str(tmp_path / "beat-schedule"), **settings):
        editor = django_user_model.objects.create_user("editor", password="Editor-pass-1", is_staff=True)
        entries = [CatalogEntryFactory() for _ in range(3)]
        for entry in entries:
            catalog_services.publish_entry(entry, actor=editor)  # queued on commit

        def holder_pid() -> int:
            owner = PublicationChannel.objects.get(region=sh).lease_owner
            return int(owner.split(":")[1]) if owner else 0

        assert wait_for(lambda: holder_pid() in (a.pid, b.pid), timeout=60), "no worker took the SH lease"
        time.sleep(1.5)  # the first publication's call to the slow node is in flight (it answers after 6 s)
        victim = holder_pid()
        survivor = b if victim == a.pid else a
        assert PublicationDelivery.objects.filter(region=sh, state=DeliveryState.DELIVERED).count() == 0
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        regional_nodes["SH"].set_delay(1000)  # still slow, no longer 6 s

        sh_rows = PublicationDelivery.objects.filter(region=sh)
        assert wait_for(lambda: sh_rows.filter(state=DeliveryState.DELIVERED).exists(), timeout=90)
        first_after = time.monotonic() - killed_at
        assert wait_for(lambda: sh_rows.filter(state=DeliveryState.DELIVERED).count() == 3, timeout=60)
        all_after = time.monotonic() - killed_at
        assert survivor.poll() is None
        print(f"killed worker's region: first delivery {first_after:.1f} s, all three {all_after:.1f} s after the kill")
        assert first_after <= RECOVERY_BOUND_SECONDS

    assert PublicationDelivery.objects.exclude(state=DeliveryState.DELIVERED).count() == 0
    stored = node_publications(regional_nodes["SH"], base["SH"])
    expected = list(sh_rows.order_by("sequence").values_list("publication_id", "sequence"))
    assert [(row[0], row[1]) for row in stored] == [(pid.hex, seq) for pid, seq in expected]  # once each, in order
    # The call in flight when the worker died did reach the node; the resend was recognised.
    assert sh_rows.order_by("sequence").first().duplicate is True
    for code in ("JS", "ZJ", "AH"):
        assert len(node_publications(regional_nodes[code], base[code])) == 3
