"""Signed certificate files: single-use download tickets, real signatures, generated once."""

from __future__ import annotations

import time

import httpx
import pytest

from regional_node.demo import DEMO_PERSON, REVOKED, certificates_for_region, certificates_of
from ysj_protocol import status as st
from ysj_protocol.certfile import verify_file
from ysj_protocol.client import StatusError
from ysj_protocol.crypto.sm3 import sm3_hex

from .helpers import audit, publish_scenario

FILE = "/api/v1/certificates/file"


def _id_card():
    return next(c for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "111")


@pytest.mark.parametrize("file_format", ["PDF", "OFD"])
def test_a_ticket_downloads_a_file_signed_by_the_region_once(regional_nodes, file_format):
    node = regional_nodes["SH"]
    certificate = _id_card()
    with node.hub_client() as client:
        announced = client.call(
            FILE, {"certificateRef": certificate.ref, "fileFormat": file_format, "audit": audit()}
        ).data
    assert announced["fileFormat"] == file_format
    assert announced["downloadUrl"].startswith(node.url + "/")
    response = httpx.get(announced["downloadUrl"], timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == (
        "application/pdf" if file_format == "PDF" else "application/ofd"
    )
    content = response.content
    assert len(content) == announced["size"]
    assert sm3_hex(content) == announced["sm3"] == response.headers["X-Content-SM3"]

    result = verify_file(content, file_format, lambda code: node.public_key if code == "SH" else None)
    assert result.ok, result.reason
    assert result.certificate_number == certificate.number
    assert result.internal_id == certificate.ref
    # The stored file shows the holder's identity: readable by the node's owner only.
    stored = node.data_dir / "files" / certificate.ref[:2] / f"{certificate.ref}.{file_format.lower()}"
    assert stored.read_bytes() == content
    assert stored.stat().st_mode & 0o777 == 0o600

    again = httpx.get(announced["downloadUrl"], timeout=10)
    assert again.status_code == 403
    assert again.json()["status"] == st.DOWNLOAD_LINK_INVALID.code


def test_a_file_is_generated_once_and_kept(regional_nodes):
    certificate = _id_card()
    with regional_nodes["SH"].hub_client() as client:
        first = client.call(
            FILE, {"certificateRef": certificate.ref, "fileFormat": "pdf", "audit": audit()}
        ).data
        second = client.call(
            FILE, {"certificateRef": certificate.ref, "fileFormat": "PDF", "audit": audit()}
        ).data
    assert first["sm3"] == second["sm3"]
    assert first["downloadUrl"] != second["downloadUrl"]


def test_the_file_is_signed_by_this_region_not_another(regional_nodes):
    certificate = _id_card()
    with regional_nodes["SH"].hub_client() as client:
        url = client.call(
            FILE, {"certificateRef": certificate.ref, "fileFormat": "OFD", "audit": audit()}
        ).data["downloadUrl"]
    content = httpx.get(url, timeout=10).content
    foreign = verify_file(content, "OFD", lambda code: regional_nodes["JS"].public_key)
    assert not foreign.ok


def test_no_file_for_a_revoked_certificate(regional_nodes):
    revoked = next(c for c in certificates_for_region("SH") if c.status == REVOKED)
    with regional_nodes["SH"].hub_client() as client, pytest.raises(StatusError) as refused:
        client.call(FILE, {"certificateRef": revoked.ref, "fileFormat": "PDF", "audit": audit()})
    assert refused.value.status == st.CERTIFICATE_NOT_FOUND.code
    assert "已注销" in refused.value.message


@pytest.mark.parametrize("token", ["unknown-token", "x" * 200, "%00"])
def test_unknown_tickets_are_refused(regional_nodes, token):
    response = httpx.get(f"{regional_nodes['SH'].url}/api/v1/files/{token}", timeout=10)
    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert response.json()["status"] == st.DOWNLOAD_LINK_INVALID.code


def test_a_ticket_expires(solo_node):
    """The solo node's tickets last two seconds (NODE_TICKET_SECONDS=2)."""
    publish_scenario(solo_node, audit()["itemCode"], ["111"])
    with solo_node.hub_client() as client:
        url = client.call(
            FILE, {"certificateRef": _id_card().ref, "fileFormat": "PDF", "audit": audit()}
        ).data["downloadUrl"]
    time.sleep(2.5)
    response = httpx.get(url, timeout=10)
    assert response.status_code == 403
    assert response.json()["status"] == st.DOWNLOAD_LINK_INVALID.code


def test_the_download_is_streamed_in_chunks(regional_nodes):
    with regional_nodes["SH"].hub_client() as client:
        announced = client.call(
            FILE, {"certificateRef": _id_card().ref, "fileFormat": "PDF", "audit": audit()}
        ).data
    chunks = []
    with httpx.stream("GET", announced["downloadUrl"], timeout=10) as response:
        assert response.headers["Content-Length"] == str(announced["size"])
        chunks.extend(response.iter_bytes(4096))
    assert sm3_hex(b"".join(chunks)) == announced["sm3"]
