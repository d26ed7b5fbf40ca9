"""Forwarding publications to the region's application systems (6.1 b), with retries.

The application system is a real HTTP server in the test process that opens the envelope with its
own key and answers in envelopes, first failing on purpose when the test asks it to.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ysj_protocol import status as st
from ysj_protocol.envelope import open_request, seal_response
from ysj_protocol.profile import verify_publication

from ..keys import hub_key, key_for
from .helpers import publication

PUBLICATIONS = "/api/v1/publications"


class ApplicationSystem:
    """Receives forwarded publications; fails the first ``fail_first`` deliveries with ``fail_status``."""

    def __init__(self, name: str, node_public_key, *, fail_first: int = 0, fail_status: int = 503) -> None:
        self.key = key_for(name)
        self.received: list[dict] = []
        self.attempts = 0
        self.accounts: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                opened = open_request(body, owner.key)
                owner.attempts += 1
                owner.accounts.append(opened.account_id)
                if owner.attempts <= fail_first:
                    status = st.INTERNAL_ERROR if fail_status >= 500 else st.INVALID_PARAMETERS
                    answer = seal_response(status, None, node_public_key)
                    code = fail_status
                else:
                    owner.received.append(opened.params)
                    answer = seal_response(st.OK, {"received": True}, node_public_key)
                    code = 200
                payload = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ysj/publications"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _wait_for(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)


def _forwardings(node) -> list[dict]:
    return json.loads(node.manage("list_published"))["forwardings"]


@pytest.fixture
def subscriber_factory(solo_node):
    created: list[ApplicationSystem] = []

    def make(name: str, **kwargs) -> ApplicationSystem:
        app = ApplicationSystem(name, solo_node.public_key, **kwargs)
        solo_node.manage(
            "add_subscriber", "--name", name, "--url", app.url, "--public-key", app.key.public_key.hex()
        )
        created.append(app)
        return app

    yield make
    # The subscriber stays registered on the solo node; its later deliveries fail and are retried
    # in the background, which the other tests ignore (they look at their own subscriber only).
    for app in created:
        app.close()


def test_a_new_publication_reaches_the_subscriber_with_the_hub_signature(solo_node, subscriber_factory):
    app = subscriber_factory("counter-system")
    message = publication(11, "F101")
    with solo_node.hub_client() as client:
        client.call(PUBLICATIONS, message)
    _wait_for(lambda: app.received)
    assert len(app.received) == 1
    forwarded = app.received[0]
    assert forwarded["forwardedBy"] == "SH"
    assert app.accounts == ["region-sh"]
    original = {k: v for k, v in forwarded.items() if k != "forwardedBy"}
    assert original == message
    assert verify_publication(original, original["signature"], hub_key().public_key)


def test_a_failing_subscriber_is_retried_until_delivered(solo_node, subscriber_factory):
    app = subscriber_factory("flaky-system", fail_first=1)
    with solo_node.hub_client() as client:
        client.call(PUBLICATIONS, publication(12, "F102"))
    _wait_for(lambda: app.received)
    assert app.attempts == 2
    assert [p["code"] for p in app.received] == ["F102"]
    _wait_for(
        lambda: [f for f in _forwardings(solo_node) if f["subscriber"] == "flaky-system"][0]["state"]
        == "delivered"
    )
    mine = [f for f in _forwardings(solo_node) if f["subscriber"] == "flaky-system"]
    assert mine[0]["state"] == "delivered"
    assert mine[0]["attempts"] == 2


def test_a_subscriber_refusing_the_content_is_not_retried(solo_node, subscriber_factory):
    app = subscriber_factory("strict-system", fail_first=99, fail_status=400)
    with solo_node.hub_client() as client:
        client.call(PUBLICATIONS, publication(13, "F103"))
    _wait_for(
        lambda: any(
            f["subscriber"] == "strict-system" and f["state"] == "failed" for f in _forwardings(solo_node)
        )
    )
    mine = [f for f in _forwardings(solo_node) if f["subscriber"] == "strict-system"]
    assert mine[0]["state"] == "failed"
    assert mine[0]["attempts"] == 1
    assert "1007" in mine[0]["lastError"]
    assert app.received == []


def test_duplicates_and_superseded_publications_are_not_forwarded(solo_node, subscriber_factory):
    app = subscriber_factory("quiet-system")
    newer = publication(15, "F104")
    with solo_node.hub_client() as client:
        client.call(PUBLICATIONS, newer)
        _wait_for(lambda: app.received)
        client.call(PUBLICATIONS, newer)  # duplicate
        client.call(PUBLICATIONS, publication(14, "F104"))  # older than what is in force
    # Give the node every chance to (wrongly) forward, then check nothing more arrived.
    _wait_for(lambda: len(app.received) > 1, seconds=2)
    assert [p["sequence"] for p in app.received] == [15]


def test_a_subscriber_down_for_good_is_given_up_after_the_last_attempt(solo_node, subscriber_factory):
    """The solo node gives up after three attempts (NODE_FORWARD_MAX_ATTEMPTS=3; back-off 2 s, 4 s)."""
    app = subscriber_factory("dead-system", fail_first=99, fail_status=503)
    with solo_node.hub_client() as client:
        client.call(PUBLICATIONS, publication(16, "F105"))
    _wait_for(lambda: app.attempts >= 3, seconds=40)
    _wait_for(
        lambda: any(
            f["subscriber"] == "dead-system" and f["state"] == "failed" for f in _forwardings(solo_node)
        )
    )
    mine = [f for f in _forwardings(solo_node) if f["subscriber"] == "dead-system"]
    assert mine[0]["state"] == "failed"
    assert mine[0]["attempts"] == 3
    assert app.attempts == 3
