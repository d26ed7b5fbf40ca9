"""Two hub instances behind one load balancer behave as one.

Two hubs under gunicorn on different ports share the test's PostgreSQL database and the Redis
broker, with two Celery workers and beat. What is changed through one instance (an application
suspended, tokens revoked, a catalog entry published, each through the admin as an operator does
it) is honoured by the other on its very next call, though both had served, and cached, the state
before; the two workers deliver each publication to each region exactly once; and the evidence
log's integrator, run by both workers from beat, integrates every entry once.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest
from django.core.management import call_command

from catalog.models import CatalogEntry, DeliveryState, Publication, PublicationDelivery
from evidence.models import Checkpoint, EntryKind, EvidenceEntry, PendingEntry
from regional_node.demo import DEMO_PERSON
from tests.catalog.factories import CatalogEntryFactory
from tests.factories import ApplicationFactory
from tests.keys import hub_key, key_for
from tests.publication.helpers import continue_sequences, node_publications, wait_for
from tests.sharing.factories import session_for
from trust.models import EnvelopeCall
from ysj_protocol import status as st
from ysj_protocol.client import EnvelopeClient, Peer

from .processes import celery_process, hub_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]

ADMIN_PASSWORD = "Operator-pass-1"  # noqa: S105 - a test account's password


class Operator:
    """A superuser working in one instance's admin over HTTP, as in a browser."""

    def __init__(self, base_url: str, username: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30, follow_redirects=True)
        page = self.http.get("/admin/login/")
        answer = self.http.post(
            "/admin/login/?next=/admin/",
            data={"username": username, "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": self._csrf(page.text)},
        )
        assert "/admin/login/" not in str(answer.url), answer.text[-2000:]

    @staticmethod
    def _csrf(html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def action(self, changelist: str, action: str, pks: list, **extra: str) -> httpx.Response:
        page = self.http.get(changelist)
        data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0",
                "csrfmiddlewaretoken": self._csrf(page.text), **extra}
        answer = self.http.post(changelist, data=data)
        assert answer.status_code == 200, answer.text[-2000:]
        return answer


def _client(url: str, app_id: str) -> EnvelopeClient:
    return EnvelopeClient(Peer(base_url=url, public_key=hub_key().public_key, name="hub"),
                          account_id=app_id, private_key=key_for(app_id), timeout=30)


@contextmanager
def two_hubs_and_workers(tmp_path, queue: str) -> Iterator[tuple[str, str]]:
    settings = {"CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"], "CELERY_TASK_DEFAULT_QUEUE": queue,
                "YSJ_PUBLICATION_SWEEP_SECONDS": "2"}
    worker = ("-P", "threads", "-c", "2", "-Q", queue, "--without-gossip", "--without-mingle")
    with ExitStack() as stack:
        stack.enter_context(celery_process("worker", tmp_path / "wa.log", *worker, "-n", "a@%h", **settings))
        stack.enter_context(celery_process("worker", tmp_path / "wb.log", *worker, "-n", "b@%h", **settings))
        stack.enter_context(celery_process("beat", tmp_path / "beat.log", "-s", str(tmp_path / "beat"), **settings))
        first = stack.enter_context(hub_server(tmp_path / "hub-a.log", threads=4, **settings))
        second = stack.enter_context(hub_server(tmp_path / "hub-b.log", threads=4, **settings))
        yield first, second


def _search(client: EnvelopeClient, session) -> str:
    params = {"useFor": "两实例演练", "itemName": "两实例演练", "itemCode": "SC-TWO", "itemOrg": "长三角一网通办",
              "operator": "测试员", "bizNum": "TWO-HUBS-1", "trustedToken": session.trusted_token}
    opened = client.call("/api/v1/certificates/search", params, head={"accessToken": session.access_token}, check=False)
    return opened.status


def test_what_one_instance_changes_the_other_honours_on_its_next_call(
    broker_queue, live_regions, regional_nodes, tmp_path, django_user_model
):
    from tests.sharing.conftest import TYPE_NAMES
    from tests.trust.factories import demo_catalog_entry, live_scenario

    base = continue_sequences(live_regions, regional_nodes)
    django_user_model.objects.create_superuser("operator", password=ADMIN_PASSWORD)
    suspended, revoked = ApplicationFactory(app_id="app-two-a"), ApplicationFactory(app_id="app-two-b")
    entries = [demo_catalog_entry(name) for name in TYPE_NAMES]
    live_scenario("SC-TWO", entries, [suspended, revoked])
    sessions = {
        app.app_id: session_for(app, name=DEMO_PERSON.name, code_type=DEMO_PERSON.code_type, code=DEMO_PERSON.code)
        for app in (suspended, revoked)
    }
    with two_hubs_and_workers(tmp_path, broker_queue) as (url_a, url_b):
        clients = {(url, app_id): _client(url, app_id) for url in (url_a, url_b) for app_id in sessions}
        # Both instances serve both applications, and so cache the caller and the scenario list.
        for (_url, app_id), client in clients.items():
            assert _search(client, sessions[app_id]) == st.OK.code

        operator = Operator(url_a, "operator")
        operator.action("/admin/trust/trustedapplication/", "suspend", [suspended.pk])
        assert _search(clients[(url_b, "app-two-a")], sessions["app-two-a"]) == st.ACCOUNT_DISABLED.code

        operator.action("/admin/trust/trustedapplication/", "revoke_tokens", [revoked.pk])
        assert _search(clients[(url_b, "app-two-b")], sessions["app-two-b"]) == st.ACCESS_TOKEN_REVOKED.code

        # A catalog entry published through A: queued on commit, delivered by either worker, once.
        entry = CatalogEntryFactory(type_name="两实例演练证照")
        operator.action("/admin/catalog/catalogentry/", "publish_selected", [entry.pk], confirmed="yes")
        assert CatalogEntry.objects.get(pk=entry.pk).first_published_at is not None
        assert wait_for(
            lambda: PublicationDelivery.objects.filter(publication__code=entry.type_code)
            .exclude(state=DeliveryState.DELIVERED).count() == 0
            and PublicationDelivery.objects.filter(publication__code=entry.type_code).count() == len(live_regions),
            timeout=60,
        ), "the publication was not delivered to every region"
        published = {str(pk).replace("-", "") for pk in Publication.objects.filter(code=entry.type_code).values_list("id", flat=True)}
        for code in live_regions:
            stored = node_publications(regional_nodes[code], after=base[code])
            ids = [row[0] for row in stored]
            assert len(ids) == len(set(ids)), f"{code} received a publication twice: {stored}"
            assert len([pk for pk in ids if pk in published]) == 1, stored

        with _client(url_b, "app-two-b") as other:
            fresh = session_for(revoked, name=DEMO_PERSON.name, code_type=DEMO_PERSON.code_type, code=DEMO_PERSON.code)
            listing = other.call("/api/v1/catalogs/query", {}, head={"accessToken": fresh.access_token}, check=False)
        assert listing.ok, listing.message
        assert entry.type_code in {item["certificateTypeCode"] for item in listing.data["dataList"]}

        # Beat runs the integrator every few seconds on both workers; one at a time integrates.
        def integrated() -> bool:
            latest = Checkpoint.objects.order_by("-size").first()
            return PendingEntry.objects.count() == 0 and latest is not None and latest.size == EvidenceEntry.objects.count()

        assert wait_for(integrated, timeout=60), "entries left unintegrated or unsigned"
        indexes = list(EvidenceEntry.objects.order_by("index").values_list("index", flat=True))
        assert indexes == list(range(len(indexes))), "the log has gaps or repeats"
        leaves = [bytes(h) for h in EvidenceEntry.objects.values_list("leaf_hash", flat=True)]
        assert len(leaves) == len(set(leaves)), "an entry was integrated twice"
        served = EnvelopeCall.objects.filter(direction="in").count()
        assert EvidenceEntry.objects.filter(kind=EntryKind.SERVED).count() == served
        out = io.StringIO()
        call_command("verify_evidence", stdout=out)  # raises CommandError naming the first bad entry
        assert f"{len(indexes)} 个条目" in out.getvalue(), out.getvalue()

        for client in clients.values():
            client.close()
        # Withdraw it again: the session's nodes outlive this test (see tests/publication).
        operator.action("/admin/catalog/catalogentry/", "withdraw_selected", [entry.pk], confirmed="yes",
                        reason="演练结束")
        assert wait_for(
            lambda: PublicationDelivery.objects.exclude(state=DeliveryState.DELIVERED).count() == 0, timeout=60
        )
