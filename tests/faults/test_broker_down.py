"""The broker down while publications are made: the admin's request does not wait for it.

The publishing runs in a real hub process whose broker is a closed port (connection refused) or
a server that accepts and never answers. The outbox rows are the guarantee: afterwards a real
worker on a working broker delivers all of them, queued by the sweeper.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from catalog.models import DeliveryState, Publication, PublicationDelivery
from catalog.tasks import sweep_publications

from ..catalog.factories import CatalogEntryFactory
from ..publication.conftest import celery_worker_queue  # noqa: F401 - fixture: a real worker
from ..publication.helpers import continue_sequences, node_publications, wait_for
from ..regional import REPO_ROOT
from .processes import hub_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

PUBLICATIONS = 6
#: Six publications took 17.5 s with the broker down; each is a few database writes.
PROMPT_SECONDS = 5.0


@pytest.fixture(params=["refused", "silent"])
def dead_broker(request) -> Iterator[tuple[str, str]]:
    """A broker URL nobody serves: a closed port, or a listener that never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if request.param == "refused":
        sock.close()
    else:
        sock.listen(64)
    try:
        yield request.param, f"redis://127.0.0.1:{port}/0"
    finally:
        sock.close()


def test_publishing_with_the_broker_down_is_prompt_and_the_sweeper_delivers_later(
    postgresql, dead_broker, live_regions, regional_nodes, django_user_model, celery_worker_queue  # noqa: F811
):
    mode, broker_url = dead_broker
    base = continue_sequences(live_regions, regional_nodes)
    django_user_model.objects.create_user("editor", password="Editor-pass-1", is_staff=True)
    entries = [CatalogEntryFactory() for _ in range(PUBLICATIONS)]
    env = hub_env(CELERY_BROKER_URL=broker_url, EDITOR="editor", LINGER_SECONDS="1",
                  ENTRY_IDS=json.dumps([e.pk for e in entries]))
    result = subprocess.run([sys.executable, "-m", "tests.faults.publish_entries"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{PUBLICATIONS} publications with the broker {mode}: {outcome['seconds']:.2f} s")
    assert outcome["published"] == PUBLICATIONS
    assert outcome["seconds"] < PROMPT_SECONDS
    if mode == "refused":  # tried and given up at once, off the request thread
        assert "could not queue publication delivery" in result.stderr

    assert Publication.objects.count() == PUBLICATIONS
    rows = PublicationDelivery.objects.all()
    assert rows.count() == PUBLICATIONS * len(live_regions)
    assert set(rows.values_list("state", flat=True)) == {DeliveryState.PENDING}
    assert set(rows.values_list("attempts", flat=True)) == {0}

    sweep_publications.delay()  # what beat does periodically, on the working broker
    assert wait_for(lambda: rows.filter(state=DeliveryState.DELIVERED).count() == rows.count(), timeout=60)
    for node in regional_nodes:
        assert len(node_publications(node, base[node.code])) == PUBLICATIONS
