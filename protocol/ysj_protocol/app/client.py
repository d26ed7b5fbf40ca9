"""The application system's client: one method per section-12 call, the envelope and tokens inside.

``Client`` wraps ``ysj_protocol.client.EnvelopeClient`` (SM2 both ways, C3 always checked, the
answer read in whichever form it comes: with or without ``04``, either hex case, DER). It obtains
the access token by 12.2.1 when first needed and renews it ``renew_margin`` seconds before it
expires, or once when a call is refused because the token expired (2003) or is unknown (2002, a
provider that restarted its token store): the refused call did nothing, so it is sent again.

The audit fields travel with every call of 12.1.5-12.1.10 and 12.2.2; ``client.case(...)`` fixes
them once per business case (``with client.case(...) as case: case.search(...)``).

Retries. A call is sent again, up to ``retries`` times with a growing pause, only when that is
safe (``CALLS[...].repeatable``): the queries (12.1.3, 12.1.4), search (12.1.5), file addresses
(12.1.6, 12.1.7: each call hands out new single-use addresses, nothing is consumed), information
(12.1.8, 12.1.9), verification (12.1.10), notices and the evidence log's reads. Those that consume
or issue something once are not: registration (12.2.1: each call issues a token and counts towards
the failed-attempt limit), a service code (12.2.2: single use, a repeat answers 4014), a holder
token (12.2.3: ``transactionId`` single use, a repeat answers 4021) and a download (its address
works once). Any call is sent again when the connection could not even be opened, since nothing
reached the provider then. A refusal (a non-zero status other than a server fault) is never
retried.

The base URL is the hub's, or the application's own region's relay (``<node>/ysj``) with the
region's public key as ``provider_key``: the paths are the same.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

from .. import client as envelope_client
from ..crypto import sm2
from . import results
from .errors import BadAnswer, ConfigError, Refused, Unreachable, VerificationFailed, refusal


@dataclass(frozen=True, slots=True)
class Call:
    """One call of the standard: its section, path, and whether it may be sent twice."""

    section: str
    path: str
    repeatable: bool
    needs_token: bool = True


#: Every envelope call the client makes; the paths are the hub's and the relay's alike.
CALLS: dict[str, Call] = {
    "catalogs": Call("12.1.3", "/api/v1/catalogs/query", repeatable=True),
    "scenarios": Call("12.1.4", "/api/v1/scenarios/query", repeatable=True),
    "search": Call("12.1.5", "/api/v1/certificates/search", repeatable=True),
    "files_by_id": Call("12.1.6", "/api/v1/certificates/file/by-id", repeatable=True),
    "files_by_holder": Call("12.1.7", "/api/v1/certificates/file/by-holder", repeatable=True),
    "info_by_id": Call("12.1.8", "/api/v1/certificates/info/by-id", repeatable=True),
    "info_by_holder": Call("12.1.9", "/api/v1/certificates/info/by-holder", repeatable=True),
    "verify": Call("12.1.10", "/api/v1/certificates/verify", repeatable=True),
    "register": Call("12.2.1", "/api/v1/trust/apps/register", repeatable=False, needs_token=False),
    "service_code": Call("12.2.2", "/api/v1/trust/service-codes/verify", repeatable=False),
    "holder_token": Call("12.2.3", "/api/v1/trust/holder-tokens", repeatable=False),
    "notices": Call("8.4", "/api/v1/holders/notices", repeatable=True),
    "evidence_entry": Call("evidence", "/api/v1/evidence/entries", repeatable=True, needs_token=False),
}
CHECKPOINT_PATH = "/evidence/checkpoint"
INCLUSION_PATH = "/evidence/proof/inclusion"

#: Statuses after which the access token is renewed once and the refused call sent again.
RENEW_ON = frozenset({"2002", "2003"})
#: Reads of a download, in bytes.
CHUNK_SIZE = 64 * 1024

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True, slots=True)
class Audit:
    """The audit fields of one business case (tables 3-8, 10), sent with each of its calls."""

    use_for: str
    item_name: str
    item_code: str
    item_org: str
    operator: str
    biz_num: str

    def params(self) -> dict[str, str]:
        return {
            "useFor": self.use_for,
            "itemName": self.item_name,
            "itemCode": self.item_code,
            "itemOrg": self.item_org,
            "operator": self.operator,
            "bizNum": self.biz_num,
        }


def _without_empty(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value not in (None, "")}


class Client:
    """A trusted application system calling the hub (or its region's relay)."""

    def __init__(
        self,
        base_url: str,
        *,
        app_id: str,
        private_key: sm2.PrivateKey,
        provider_key: sm2.PublicKey,
        app_secret: str = "",
        corp_name: str = "",
        corp_code: str = "",
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
        renew_margin: float = 60.0,
        der: bool = False,
        evidence_url: str = "",
        log_key: sm2.PublicKey | None = None,
        witness_keys: dict[str, sm2.PublicKey] | None = None,
        access_token: str = "",
        access_expires: float | None = None,
        on_token: Callable[[results.Registration], None] | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        if not base_url:
            raise ConfigError("未设置融合共享服务系统地址（YSJ_BASE_URL）")
        if not app_id:
            raise ConfigError("未设置应用标识 appId（YSJ_APP_ID）")
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.private_key = private_key
        self.provider_key = provider_key
        self.app_secret = app_secret
        self.corp_name = corp_name
        self.corp_code = corp_code
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.renew_margin = renew_margin
        self.evidence_url = (evidence_url or self.base_url).rstrip("/")
        self.log_key = log_key or provider_key
        self.witness_keys = dict(witness_keys or {})
        self.on_token = on_token
        #: Every attempt made, as (path, outcome): for logs and for the tests of the retry rules.
        self.attempts: list[tuple[str, str]] = []
        self._token = access_token
        self._token_expires = access_expires  # epoch seconds
        self._token_obtained = time.time()
        self._token_lock = threading.Lock()
        self._envelope = envelope_client.EnvelopeClient(
            envelope_client.Peer(base_url=self.base_url, public_key=provider_key, name=self.base_url),
            account_id=app_id,
            private_key=private_key,
            timeout=timeout,
            der=der,
            http=http,
        )
        self._plain = httpx.Client(timeout=timeout, follow_redirects=False)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._envelope.close()
        self._plain.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def case(
        self,
        *,
        use_for: str,
        item_name: str,
        item_code: str,
        item_org: str,
        operator: str,
        biz_num: str = "",
    ) -> Case:
        """A business case: its audit fields set once; ``bizNum`` generated when not given."""
        audit = Audit(
            use_for, item_name, item_code, item_org, operator, biz_num or f"YSJ-{uuid.uuid4().hex[:16]}"
        )
        return Case(self, audit)

    # ------------------------------------------------------------------ the envelope call
    def _call(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        spec = CALLS[name]
        renewed = False
        attempt = 0
        while True:
            head = {"accessToken": self.access_token()} if spec.needs_token else None
            try:
                opened = self._envelope.call(spec.path, params, head=head, check=False)
            except envelope_client.TransportError as exc:
                nothing_sent = isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
                self.attempts.append((spec.path, "unreachable"))
                if attempt < self.retries and (spec.repeatable or nothing_sent):
                    attempt += 1
                    time.sleep(self.backoff * attempt)
                    continue
                raise Unreachable(f"{spec.section} {spec.path}：{exc}", attempts=attempt + 1) from exc
            except envelope_client.ProtocolError as exc:
                self.attempts.append((spec.path, "bad-answer"))
                raise BadAnswer(f"{spec.section} {spec.path}：{exc}") from exc
            self.attempts.append((spec.path, opened.status))
            if opened.ok:
                if opened.data is None:
                    return {}
                return opened.data
            refused = refusal(opened.status, opened.message, path=spec.path)
            if spec.needs_token and opened.status in RENEW_ON and not renewed and self.app_secret:
                renewed = True
                self.register()
                continue
            if refused.retryable and spec.repeatable and attempt < self.retries:
                attempt += 1
                time.sleep(self.backoff * attempt)
                continue
            raise refused

    # ------------------------------------------------------------------ 12.2.1 and the token
    def register(self) -> results.Registration:
        """12.2.1: obtain a new access token with appId, appSecret and the unit's name and code."""
        if not self.app_secret:
            raise ConfigError("未设置应用密钥 appSecret（YSJ_APP_SECRET），无法申领应用可信访问令牌")
        data = self._call(
            "register",
            {
                "appId": self.app_id,
                "appSecret": self.app_secret,
                "corpName": self.corp_name,
                "corpCode": self.corp_code,
            },
        )
        if str(data.get("code", "1")) != "1" or not data.get("accessToken"):
            raise BadAnswer(f"12.2.1 应答未给出令牌：{data.get('msg', '')}")
        registration = results.Registration.read(data)
        self._token = registration.access_token
        self._token_obtained = time.time()
        self._token_expires = registration.expires_at.timestamp() if registration.expires_at else None
        if self.on_token is not None:
            self.on_token(registration)
        return registration

    def access_token(self) -> str:
        """The current access token, obtained or renewed first when missing or about to expire.

        "About to expire" is within ``renew_margin`` seconds of the expiry, or within the second
        half of the token's life when that is shorter (a short-lived token is not renewed at once).
        """
        with self._token_lock:
            expiring = False
            if self._token_expires is not None:
                margin = min(self.renew_margin, max(0.0, (self._token_expires - self._token_obtained) / 2))
                expiring = time.time() >= self._token_expires - margin
            if not self._token or (expiring and self.app_secret):
                self.register()
            return self._token

    @property
    def token_expires(self) -> float | None:
        return self._token_expires

    # ------------------------------------------------------------------ 12.1.3, 12.1.4
    def catalogs(self) -> list[results.CatalogEntry]:
        """12.1.3: the published catalog entries whose share window has not ended."""
        return [results.CatalogEntry.read(item) for item in results._items(self._call("catalogs", {}))]

    def scenarios(self, app_id: str = "") -> list[results.ScenarioList]:
        """12.1.4: the scenario lists associated with the application, valid now."""
        data = self._call("scenarios", {"appId": app_id or self.app_id})
        return [results.ScenarioList.read(item) for item in results._items(data)]

    # ------------------------------------------------------------------ 12.2.2, 12.2.3
    def holder_token(
        self,
        *,
        id_no: str = "",
        name: str = "",
        auth_type: str = "",
        qr_code: str = "",
        permission: str = "",
        location: str = "",
        transaction_id: str = "",
        encrypt_id: bool = False,
    ) -> results.HolderToken:
        """12.2.3: the holder's trusted token after identity checks (authType 1/2 by number, 3 by code).

        ``encrypt_id`` sends the identity number SM2-encrypted to the provider (table 11).
        """
        auth_type = auth_type or ("3" if qr_code else "2")
        params: dict[str, Any] = {"transactionId": transaction_id or uuid.uuid4().hex, "authType": auth_type}
        if auth_type == "3":
            params["qrCode"] = qr_code
        else:
            number = id_no.strip()
            if encrypt_id:
                number = sm2.encrypt_hex(self.provider_key, number.encode("utf-8"))
            params.update({"idType": 1, "idNo": number, "name": name})
        params.update({"permission": permission, "location": location})
        data = self._call("holder_token", _without_empty(params))
        return results.HolderToken.read(data)

    def service_code(self, *, audit: Audit, qr_code: str) -> results.ServiceCodeResult:
        """12.2.2: decode and verify a service code (single use)."""
        return results.ServiceCodeResult.read(
            self._call("service_code", {"qrCode": qr_code, **audit.params()})
        )

    # ------------------------------------------------------------------ 12.1.5-12.1.10
    def search(
        self, *, audit: Audit, trusted_token: str, certificate_type: str = "", certificate_number: str = ""
    ) -> results.SearchResult:
        """12.1.5: every valid certificate of the holder under the scenario list ``audit.item_code``."""
        params = _without_empty(
            {
                "trustedToken": trusted_token,
                "certificateType": certificate_type,
                "certificateNumber": certificate_number,
            }
        )
        return results.SearchResult.read(self._call("search", {**params, **audit.params()}))

    def files_by_id(self, *, audit: Audit, certificate_id: str, file_format: str = "") -> results.FileLinks:
        """12.1.6: download addresses of one certificate by its ten-minute ID (PDF and OFD without a format)."""
        params = _without_empty({"certificateID": certificate_id, "fileFormat": file_format.upper()})
        return results.FileLinks.read(self._call("files_by_id", {**params, **audit.params()}))

    def files_by_holder(
        self,
        *,
        audit: Audit,
        trusted_token: str,
        certificate_type: str = "",
        certificate_number: str = "",
        file_format: str = "",
    ) -> results.FileLinks:
        """12.1.7: download addresses of the holder's certificates under the list."""
        params = _without_empty(
            {
                "trustedToken": trusted_token,
                "certificateType": certificate_type,
                "certificateNumber": certificate_number,
                "fileFormat": file_format.upper(),
            }
        )
        return results.FileLinks.read(self._call("files_by_holder", {**params, **audit.params()}))

    def info_by_id(self, *, audit: Audit, certificate_id: str) -> results.InfoResult:
        """12.1.8: one certificate's information by its ten-minute ID."""
        return results.InfoResult.read(
            self._call("info_by_id", {"certificateID": certificate_id, **audit.params()})
        )

    def info_by_holder(
        self, *, audit: Audit, trusted_token: str, certificate_type: str = "", certificate_number: str = ""
    ) -> results.InfoResult:
        """12.1.9: the information of the holder's certificates under the list."""
        params = _without_empty(
            {
                "trustedToken": trusted_token,
                "certificateType": certificate_type,
                "certificateNumber": certificate_number,
            }
        )
        return results.InfoResult.read(self._call("info_by_holder", {**params, **audit.params()}))

    def verify(self, *, audit: Audit, content: bytes, file_format: str) -> results.Verification:
        """12.1.10: the hub's verification of a certificate file (signature, integrity, current status)."""
        params = {"fileEntity": base64.b64encode(content).decode("ascii"), "fileFormat": file_format.upper()}
        return results.Verification.read(self._call("verify", {**params, **audit.params()}))

    def notices(
        self, *, audit: Audit, trusted_token: str, page_num: int | None = None, page_size: int | None = None
    ) -> results.Notices:
        """8.4: the notices of the token's holder (what certificate information was obtained)."""
        params = _without_empty({"trustedToken": trusted_token, "pageNum": page_num, "pageSize": page_size})
        return results.Notices.read(self._call("notices", {**params, **audit.params()}))

    # ------------------------------------------------------------------ downloads
    def download(self, file_url: str, *, progress: Progress | None = None) -> results.Download:
        """GET a 12.1.6/12.1.7 address (single use: never repeated); refusals are typed (4031...)."""
        url = urljoin(self.base_url + "/", file_url)
        self.attempts.append((url, "download"))
        try:
            with self._plain.stream("GET", url) as response:
                if response.status_code != 200:
                    raise self._download_refusal(response)
                total_text = response.headers.get("Content-Length")
                total = int(total_text) if total_text and total_text.isdigit() else None
                chunks: list[bytes] = []
                received = 0
                for chunk in response.iter_bytes(CHUNK_SIZE):
                    chunks.append(chunk)
                    received += len(chunk)
                    if progress is not None:
                        progress(received, total)
                if total is not None and received != total:
                    raise Unreachable(f"文件下载中断：收到 {received} / {total} 字节")
                return results.Download(
                    content=b"".join(chunks),
                    content_type=response.headers.get("Content-Type", ""),
                    filename=_filename(response.headers.get("Content-Disposition", "")),
                )
        except httpx.HTTPError as exc:
            raise Unreachable(f"文件下载失败：{exc}") from exc

    @staticmethod
    def _download_refusal(response: httpx.Response) -> Refused:
        response.read()
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("status"), str | int):
            return refusal(
                str(body["status"]), str(body.get("message", "")), http_status=response.status_code
            )
        return refusal("4031", f"HTTP {response.status_code}", http_status=response.status_code)

    # ------------------------------------------------------------------ the evidence log
    def _get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        url = self.evidence_url + path
        attempt = 0
        while True:
            try:
                response = self._plain.get(url, params=params)
            except httpx.HTTPError as exc:  # reads: always safe to repeat
                self.attempts.append((path, "unreachable"))
                if attempt < self.retries:
                    attempt += 1
                    time.sleep(self.backoff * attempt)
                    continue
                raise Unreachable(f"{url}：{exc}", attempts=attempt + 1) from exc
            self.attempts.append((path, str(response.status_code)))
            if response.status_code >= 500 and attempt < self.retries:
                attempt += 1
                time.sleep(self.backoff * attempt)
                continue
            if response.status_code != 200:
                raise BadAnswer(f"{url}：HTTP {response.status_code} {response.text[:200]}")
            return response

    def checkpoint(self) -> VerifiedCheckpoint:
        """The evidence log's latest checkpoint, its signature checked with the log's (the hub's) key."""
        return verify_checkpoint(self._get(CHECKPOINT_PATH).text, self.log_key, self.witness_keys)

    def inclusion_proof(self, *, index: int, size: int) -> results.InclusionProof:
        """The proof that entry ``index`` is in the tree of ``size`` entries."""
        body = self._get(INCLUSION_PATH, {"index": index, "size": size}).json()
        try:
            path = tuple(base64.b64decode(item, validate=True) for item in body["path"])
            return results.InclusionProof(index=int(body["index"]), size=int(body["size"]), path=path)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadAnswer(f"包含性证明格式错误：{exc}") from exc

    def evidence_entry(self, *, index: int | None = None, request_digest: str = "") -> results.EvidenceEntry:
        """An entry's leaf bytes, by index or by the SM3 digest of a request (region accounts only)."""
        params: dict[str, Any] = {"index": index} if index is not None else {"requestDigest": request_digest}
        data = self._call("evidence_entry", params)
        try:
            return results.EvidenceEntry(
                index=int(data["index"]), data=base64.b64decode(data["data"], validate=True)
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadAnswer(f"证据条目格式错误：{exc}") from exc

    def check_inclusion(
        self, *, index: int, leaf_hash: bytes
    ) -> tuple[VerifiedCheckpoint, results.InclusionProof]:
        """Check that the entry whose leaf hashes to ``leaf_hash`` sits at ``index`` in the signed log."""
        from ..tlog import proofs

        checkpoint = self.checkpoint()
        if index >= checkpoint.size:
            raise VerificationFailed(f"条目 {index} 不在最新检查点（{checkpoint.size} 条）之内")
        proof = self.inclusion_proof(index=index, size=checkpoint.size)
        try:
            proofs.verify_inclusion(
                index=index,
                size=checkpoint.size,
                leaf_hash=leaf_hash,
                path=list(proof.path),
                root=checkpoint.root,
            )
        except proofs.ProofError as exc:
            raise VerificationFailed(f"包含性证明验证失败：{exc}") from exc
        return checkpoint, proof


def _filename(disposition: str) -> str:
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename":
            return value.strip().strip('"')
    return ""


@dataclass(frozen=True, slots=True)
class VerifiedCheckpoint:
    """A checkpoint whose log signature verified; ``cosigned_by`` names the witnesses that verified."""

    origin: str
    size: int
    root: bytes
    note: str
    cosigned_by: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["root"] = base64.b64encode(self.root).decode("ascii")
        return data


def verify_checkpoint(
    text: str, log_key: sm2.PublicKey, witness_keys: dict[str, sm2.PublicKey] | None = None
) -> VerifiedCheckpoint:
    """Parse a signed checkpoint note and check it is signed by ``log_key`` under its origin's name.

    ``witness_keys`` maps region codes to their public keys; each valid cosignature is reported.
    """
    from ..tlog import note

    try:
        body, signatures = note.open_note(text)
        checkpoint = note.Checkpoint.parse(body)
    except note.NoteError as exc:
        raise BadAnswer(f"检查点格式错误：{exc}") from exc
    if not any(
        note.verify_signature(body, sig, name=checkpoint.origin, public_key=log_key)
        for sig in signatures
        if sig.name == checkpoint.origin
    ):
        raise VerificationFailed("检查点的签名与融合共享服务系统公钥不符")
    cosigned = []
    for code, key in sorted((witness_keys or {}).items()):
        name = note.witness_name(code)
        for sig in signatures:
            if sig.name == name and note.verify_cosignature(body, sig, name=name, public_key=key) is not None:
                cosigned.append(code)
                break
    return VerifiedCheckpoint(
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=checkpoint.root,
        note=text if isinstance(text, str) else text.decode("utf-8"),
        cosigned_by=tuple(cosigned),
    )


class Case:
    """One business case: the calls of 12.1.5-12.1.10, 12.2.2 and notices with its audit fields."""

    def __init__(self, client: Client, audit: Audit) -> None:
        self.client = client
        self.audit = audit

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def search(self, trusted_token: str, **narrow: str) -> results.SearchResult:
        return self.client.search(audit=self.audit, trusted_token=trusted_token, **narrow)

    def files_by_id(self, certificate_id: str, *, file_format: str = "") -> results.FileLinks:
        return self.client.files_by_id(
            audit=self.audit, certificate_id=certificate_id, file_format=file_format
        )

    def files_by_holder(self, trusted_token: str, **narrow: str) -> results.FileLinks:
        return self.client.files_by_holder(audit=self.audit, trusted_token=trusted_token, **narrow)

    def info_by_id(self, certificate_id: str) -> results.InfoResult:
        return self.client.info_by_id(audit=self.audit, certificate_id=certificate_id)

    def info_by_holder(self, trusted_token: str, **narrow: str) -> results.InfoResult:
        return self.client.info_by_holder(audit=self.audit, trusted_token=trusted_token, **narrow)

    def verify(self, content: bytes, file_format: str) -> results.Verification:
        return self.client.verify(audit=self.audit, content=content, file_format=file_format)

    def service_code(self, qr_code: str) -> results.ServiceCodeResult:
        return self.client.service_code(audit=self.audit, qr_code=qr_code)

    def notices(self, trusted_token: str, **paging: int) -> results.Notices:
        return self.client.notices(audit=self.audit, trusted_token=trusted_token, **paging)

    def fetch(
        self, certificate_id: str, *, file_format: str = "PDF", progress: Progress | None = None
    ) -> tuple[results.FileLink, results.Download]:
        """12.1.6 then the download of its one address in ``file_format``."""
        links = self.files_by_id(certificate_id, file_format=file_format)
        wanted = [link for link in links.links if link.file_format == file_format.upper()] or list(
            links.links
        )
        if not wanted:
            raise BadAnswer("12.1.6 应答没有下载地址")
        return wanted[0], self.client.download(wanted[0].file_url, progress=progress)


@contextmanager
def connect(**kwargs: Any) -> Iterator[Client]:
    """``Client`` from the configuration (file and environment, see ``ysj_protocol.app.config``)."""
    from .config import load_settings

    client = load_settings(**kwargs).client()
    try:
        yield client
    finally:
        client.close()


__all__ = ["CALLS", "Audit", "Call", "Case", "Client", "VerifiedCheckpoint", "connect", "verify_checkpoint"]
