"""Retries only for calls safe to repeat, with the faults caused for real.

- A closed port: nothing reaches the provider, so every call may be sent again (registration and
  holder tokens included), and the client gives up after its retries with ``Unreachable``.
- A provider that reads the request and drops the connection without answering (a hub process
  killed mid-call): the call may have been done, so only the repeatable calls are sent again; the
  server counts what reached it.
- The live hub behind a loopback proxy that drops the first connection: a search-like read is
  sent again and succeeds.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ysj_protocol.app import Client, Unreachable
from ysj_protocol.crypto import sm2

from ..regional import free_port
from .conftest import demo_app, kit_client

CATALOGS = "/api/v1/catalogs/query"


def offline_client(base_url: str) -> Client:
    """A client holding a token already (no registration first), retrying twice, quickly."""
    return Client(
        base_url,
        app_id="app-sh-counter",
        private_key=sm2.PrivateKey.generate(),
        provider_key=sm2.PrivateKey.generate().public_key,
        access_token="AT-held",
        retries=2,
        backoff=0.01,
        timeout=5,
    )


class _Dropper(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            data += chunk
        self.server.requests.append(data.split(b"\r\n", 1)[0].decode())  # type: ignore[attr-defined]
        self.request.shutdown(socket.SHUT_RDWR)  # the request arrived; no answer ever leaves


@pytest.fixture
def dropping_server() -> Iterator[Any]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Dropper)
    server.daemon_threads = True
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_closed_port_is_retried_for_every_call_then_unreachable() -> None:
    with offline_client(f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(Unreachable) as reads:
            client.catalogs()
        with pytest.raises(Unreachable) as issues:
            client.holder_token(id_no="310101199001011234", name="张三")
    assert reads.value.attempts == issues.value.attempts == 3
    assert [outcome for _, outcome in client.attempts] == ["unreachable"] * 6


def test_a_dropped_answer_is_retried_only_for_calls_safe_to_repeat(dropping_server: Any) -> None:
    host, port = dropping_server.server_address
    with offline_client(f"http://{host}:{port}") as client:
        with pytest.raises(Unreachable) as read:
            client.catalogs()
        assert len(dropping_server.requests) == 3, "a read is sent again twice"
        audit = client.case(
            use_for="测试", item_name="测试", item_code="X", item_org="测试单位", operator="王五"
        ).audit
        for once in (
            lambda: client.holder_token(id_no="310101199001011234", name="张三"),  # transactionId used once
            lambda: client.service_code(audit=audit, qr_code="YSJSC1.x"),  # a code is used once
        ):
            before = len(dropping_server.requests)
            with pytest.raises(Unreachable) as unsafe:
                once()
            assert unsafe.value.attempts == 1
            assert len(dropping_server.requests) == before + 1, "sent once, never again"
        client.app_secret = "secret"
        before = len(dropping_server.requests)
        with pytest.raises(Unreachable):
            client.register()
        assert len(dropping_server.requests) == before + 1
    assert read.value.attempts == 3


class _Proxy(socketserver.BaseRequestHandler):
    """Forwards to the hub, except the first connection, which is dropped once its request arrived."""

    def handle(self) -> None:
        server = self.server
        with server.lock:  # type: ignore[attr-defined]
            server.connections += 1  # type: ignore[attr-defined]
            drop = server.connections == 1  # type: ignore[attr-defined]
        if drop:
            self.request.recv(65536)
            self.request.shutdown(socket.SHUT_RDWR)
            return
        upstream = socket.create_connection(server.target, timeout=60)  # type: ignore[attr-defined]

        def pipe(source: socket.socket, sink: socket.socket) -> None:
            try:
                while chunk := source.recv(65536):
                    sink.sendall(chunk)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pipe, args=(upstream, self.request), daemon=True)
        back.start()
        pipe(self.request, upstream)
        back.join(60)
        upstream.close()


@pytest.mark.django_db(transaction=True)
def test_a_read_dropped_once_by_the_way_to_the_hub_succeeds_when_sent_again(demo_hub: Any) -> None:
    with kit_client(demo_hub.url, demo_app(), timeout=60) as direct:
        token = direct.register()
    host, port = demo_hub.url.removeprefix("http://").rsplit(":", 1)
    proxy = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Proxy)
    proxy.daemon_threads = True
    proxy.lock = threading.Lock()  # type: ignore[attr-defined]
    proxy.connections = 0  # type: ignore[attr-defined]
    proxy.target = (host, int(port))  # type: ignore[attr-defined]
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        proxied = f"http://127.0.0.1:{proxy.server_address[1]}"
        with kit_client(
            proxied, demo_app(), access_token=token.access_token, backoff=0.05, timeout=60
        ) as client:
            catalog = client.catalogs()
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert catalog
    assert client.attempts == [(CATALOGS, "unreachable"), (CATALOGS, "0")]
