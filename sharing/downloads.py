"""Streaming a certificate file from its region through the hub's signed address (12.1.6, 12.1.7).

The address carries a random token signed with a timestamp (``django.core.signing``): a forged or
stale address is refused before any lookup. The token's digest names a ``FileLink`` that can be
used once. Only then does the hub ask the region for a fresh single-use ``downloadUrl`` and pass
the bytes through in chunks, never holding the whole file, checking the SM3 digest the region
announced as they go.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from django.core import signing
from django.db import transaction
from django.utils import timezone

from trust.calls import record_calls
from ysj_protocol import status as st
from ysj_protocol.crypto.sm3 import SM3Hash, sm3_hex

from . import answers
from .files import DOWNLOAD_SALT, link_lifetime
from .models import FileLink
from .regions import FILE_PATH, GrantScope, call_one, client_for

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024

#: Writes the evidence entry of a file about to leave (``link``, the region's announced SM3, the
#: request ID) in the current transaction; registered by the evidence app. None registered, or a
#: failure, and no byte leaves.
DownloadRecorder = Callable[..., None]
_download_recorder: DownloadRecorder | None = None


def register_download_recorder(recorder: DownloadRecorder) -> None:
    global _download_recorder
    _download_recorder = recorder
CONTENT_TYPES = {"PDF": "application/pdf", "OFD": "application/ofd"}


class DownloadRefused(Exception):
    """The address cannot be served; ``status`` says why (4031 invalid/used/expired, 4005 region)."""

    def __init__(self, status: st.Status, detail: str = "") -> None:
        super().__init__(detail or status.message)
        self.status = status
        self.detail = detail

    @property
    def message(self) -> str:
        return f"{self.status.message}：{self.detail}" if self.detail else self.status.message


@dataclass(slots=True)
class OpenedDownload:
    link: FileLink
    response: httpx.Response
    content_type: str
    filename: str
    size: int | None
    sm3: str

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes as they arrive; a digest mismatch breaks the transfer instead of ending it."""
        hasher = SM3Hash()
        sent = 0
        error = ""
        try:
            for chunk in self.response.iter_bytes(CHUNK_SIZE):
                hasher.update(chunk)
                sent += len(chunk)
                yield chunk
            if self.sm3 and hasher.hexdigest().lower() != self.sm3:
                error = "sm3 mismatch"
                raise DownloadRefused(st.REGION_UNAVAILABLE, "文件摘要与颁证地区声明的不一致")
            if self.size is not None and sent != self.size:
                error = "size mismatch"
                raise DownloadRefused(st.REGION_UNAVAILABLE, "文件长度与颁证地区声明的不一致")
        except httpx.HTTPError as exc:
            error = f"transfer: {type(exc).__name__}"
            raise
        finally:
            self.response.close()
            FileLink.objects.filter(pk=self.link.pk).update(
                bytes_sent=sent, error=error[:128], completed_at=None if error else timezone.now()
            )
            if error:
                logger.warning("file download %s broken off: %s", self.link.pk, error)


def claim(signed_token: str) -> FileLink:
    """The link behind a signed address, marked used; refused if forged, expired or already used."""
    signer = signing.TimestampSigner(salt=DOWNLOAD_SALT)
    try:
        token = signer.unsign(signed_token, max_age=link_lifetime())
    except signing.SignatureExpired as exc:
        raise DownloadRefused(st.DOWNLOAD_LINK_INVALID, "下载地址已过期") from exc
    except signing.BadSignature as exc:
        raise DownloadRefused(st.DOWNLOAD_LINK_INVALID) from exc
    link = (
        FileLink.objects.select_related("region", "item", "application")
        .filter(token_hash=sm3_hex(token.encode()))
        .first()
    )
    if link is None:
        raise DownloadRefused(st.DOWNLOAD_LINK_INVALID)
    now = timezone.now()
    if link.expires_at <= now:
        raise DownloadRefused(st.DOWNLOAD_LINK_INVALID, "下载地址已过期")
    if not FileLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now):
        raise DownloadRefused(st.DOWNLOAD_LINK_INVALID, "下载地址已使用")
    link.used_at = now
    return link


def _release(link: FileLink, error: str) -> None:
    """Give the address back after a region failure, so the application can try again in time."""
    FileLink.objects.filter(pk=link.pk).update(used_at=None, error=error[:128])


def _same_origin(url: str, endpoint: str) -> bool:
    a, b = urlsplit(url), urlsplit(endpoint)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc) and a.scheme in ("http", "https")


def _scope_of(link: FileLink) -> GrantScope:
    """The grant of the region's file call: what the address was handed out for (its certificate's type)."""
    audit = link.audit or {}
    return GrantScope(
        app_id=str(audit.get("appId", "")),
        item_code=str(audit.get("itemCode", "")),
        type_codes=(link.item.certificate_type_code,) if link.item.certificate_type_code else (),
        biz_num=str(audit.get("bizNum", "")),
    )


def open_download(signed_token: str, *, request_id: str) -> OpenedDownload:
    """Claim the address, get a fresh ``downloadUrl`` from the region and open the stream."""
    link = claim(signed_token)
    region = link.region
    params = {"certificateRef": link.certificate_ref, "fileFormat": link.file_format, "audit": link.audit}
    # The region's file call is made for the application the address was handed to: its region sees the record.
    application = link.application.app_id
    answer = call_one(
        region, FILE_PATH, params, request_id=request_id,
        recorder=lambda record: record_calls([record], application=application), scope=_scope_of(link),
    )
    try:
        if not answer.ok:
            raise answers.Garbage(answer.error or "no answer")
        announced = answers.file_answer(answer.data or {})
    except answers.Garbage as exc:
        _release(link, f"region: {answer.kind or 'invalid'}")
        raise DownloadRefused(st.REGION_UNAVAILABLE, region.name) from exc
    url = urljoin(region.endpoint.rstrip("/") + "/", announced["downloadUrl"])
    if not _same_origin(url, region.endpoint):
        # The hub fetches only from the region's registered address, never from one it is told.
        _release(link, "downloadUrl outside the region's endpoint")
        raise DownloadRefused(st.REGION_UNAVAILABLE, f"{region.name}：下载地址不在该地区登记的接口地址下")
    http = client_for(region).http
    try:
        response = http.send(
            http.build_request("GET", url, headers={"Accept": "*/*", "X-Request-ID": request_id}), stream=True
        )
    except httpx.HTTPError as exc:
        _release(link, f"fetch: {type(exc).__name__}")
        raise DownloadRefused(st.REGION_UNAVAILABLE, region.name) from exc
    if response.status_code != 200:
        response.close()
        _release(link, f"fetch: HTTP {response.status_code}")
        raise DownloadRefused(st.REGION_UNAVAILABLE, region.name)
    size = announced["size"]
    length = response.headers.get("Content-Length")
    if size is None and length and length.isdigit():
        size = int(length)
    try:
        if _download_recorder is None:
            raise RuntimeError("no evidence recorder registered: downloads cannot be recorded")
        with transaction.atomic():
            _download_recorder(link=link, file_digest=announced["sm3"], request_id=request_id)
    except Exception as exc:
        response.close()
        _release(link, "evidence entry not written")
        logger.exception("could not write the evidence entry of download %s", link.pk)
        raise DownloadRefused(st.INTERNAL_ERROR) from exc
    number = link.item.certificate_number
    return OpenedDownload(
        link=link,
        response=response,
        content_type=CONTENT_TYPES.get(link.file_format, "application/octet-stream"),
        filename=f"{_safe(number) or 'certificate'}.{link.file_format.lower()}",
        size=size,
        sm3=announced["sm3"],
    )


def _safe(text: str) -> str:
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c in "-_."))[:64]


__all__ = ["DownloadRefused", "OpenedDownload", "claim", "open_download"]
