"""The signed download address of 12.1.6/12.1.7: streamed from the region, single use, short-lived."""

import time
from datetime import timedelta

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from sharing import downloads
from sharing.models import FileLink
from ysj_protocol.certfile import verify_file

pytestmark = pytest.mark.django_db(transaction=True)

FILE_BY_ID = "/api/v1/certificates/file/by-id"


def _urls(app, type_name="居民身份证"):
    search = app.search()
    value = next(i["certificateID"] for i in search.data["dataList"] if i["certificateType"] == type_name)
    response = app.by_id(FILE_BY_ID, value)
    assert response.ok
    return {i["fileFormat"]: i["fileUrl"] for i in response.data["dataList"]}


def test_download_streams_the_regions_signed_file(app, live_regions, monkeypatch):
    monkeypatch.setattr(downloads, "CHUNK_SIZE", 1024)  # several chunks even for a small file
    urls = _urls(app)
    for fmt, url in urls.items():
        chunks = []
        with httpx.stream("GET", url, timeout=30) as response:
            assert response.status_code == 200
            assert response.headers["Content-Type"] == {"PDF": "application/pdf", "OFD": "application/ofd"}[fmt]
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.headers["Cache-Control"] == "no-store"
            chunks = list(response.iter_bytes())
        content = b"".join(chunks)
        assert int(response.headers["Content-Length"]) == len(content)
        checked = verify_file(content, fmt, lambda code: live_regions[code].sm2_public_key)
        assert checked.ok and checked.region_code == "SH"
    # The server records the completed download when its stream closes, which may come just after
    # the client has read the last byte: wait for that write (bounded), then check it.
    def completed() -> bool:
        links = list(FileLink.objects.all())
        return len(links) == len(urls) and all(
            link.completed_at and link.bytes_sent > 0 and not link.error for link in links
        )

    deadline = time.monotonic() + 15
    while not completed() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert completed(), list(FileLink.objects.values("completed_at", "bytes_sent", "error"))


def test_hub_response_is_a_stream(app):
    url = _urls(app)["PDF"]
    response = Client().get(url[url.index("/api/"):])
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_address_is_single_use(app):
    url = _urls(app)["OFD"]
    assert httpx.get(url, timeout=30).status_code == 200
    again = httpx.get(url, timeout=30)
    assert again.status_code == 403
    assert again.json() == {"status": "4031", "message": "文件下载地址无效或已过期：下载地址已使用"}


def test_forged_and_expired_addresses_are_refused(app):
    url = _urls(app)["PDF"]
    forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    response = httpx.get(forged, timeout=30)
    assert response.status_code == 403 and response.json()["status"] == "4031"
    FileLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = httpx.get(url, timeout=30)
    assert expired.status_code == 403 and expired.json()["status"] == "4031"
    assert not FileLink.objects.filter(used_at__isnull=False).exists()


def test_region_down_gives_502_and_the_address_can_be_used_again(app, regional_nodes):
    url = _urls(app)["PDF"]
    with regional_nodes.down("SH"):
        response = httpx.get(url, timeout=30)
        assert response.status_code == 502
        assert response.json()["status"] == "4005"
    assert httpx.get(url, timeout=30).status_code == 200


def test_only_get_is_allowed(app):
    url = _urls(app)["PDF"]
    assert httpx.post(url, timeout=30).status_code == 405
