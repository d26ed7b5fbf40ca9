"""The section-12 envelope: ``{"head": {...}, "encryptData": "<hex SM2 C1C3C2>"}``.

Both the provider and the caller side live here, free of any web framework, so the hub, the
regional nodes and application systems share one implementation. READING.md fixes the reading:
upper-case hex is emitted and either case accepted; C1 is emitted with its ``04`` prefix and
accepted without it; the plaintext is UTF-8 JSON, optionally Base64-encoded by the caller, and
the answer uses the form the caller used.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from . import status as st
from .crypto import sm2
from .crypto.errors import CryptoError


class EnvelopeError(Exception):
    """A refusal that maps to one documented ``head.status`` code."""

    def __init__(self, status: st.Status, detail: str | None = None) -> None:
        self.status = status
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.status.message}：{self.detail}" if self.detail else self.status.message


@dataclass(slots=True)
class OpenedRequest:
    account_id: str
    head: dict[str, Any]
    params: dict[str, Any]
    base64_wrapped: bool


@dataclass(slots=True)
class OpenedResponse:
    status: str
    message: str
    data: dict[str, Any] | None
    head: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == st.OK.code


def encode_params(params: dict[str, Any], *, base64_wrap: bool = False) -> bytes:
    raw = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(raw) if base64_wrap else raw


def decode_params(plaintext: bytes) -> tuple[dict[str, Any], bool]:
    """The business parameters and whether the caller Base64-wrapped them.

    A JSON object starts with ``{`` (after optional white space); anything else is tried as
    Base64 of one, which is the reading of "BASE64+HEX" in 12.1.1.
    """
    stripped = plaintext.strip()
    wrapped = False
    if not stripped.startswith(b"{"):
        try:
            stripped = base64.b64decode(stripped, validate=True).strip()
        except (binascii.Error, ValueError) as exc:
            raise EnvelopeError(st.BAD_PLAINTEXT) from exc
        wrapped = True
    try:
        params = json.loads(stripped.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(st.BAD_PLAINTEXT) from exc
    if not isinstance(params, dict):
        raise EnvelopeError(st.BAD_PLAINTEXT)
    return params, wrapped


def split_envelope(body: Any) -> tuple[str, dict[str, Any], str]:
    """Account ID, head and ciphertext of a request body already parsed from JSON."""
    if not isinstance(body, dict):
        raise EnvelopeError(st.MALFORMED_ENVELOPE)
    head = body.get("head")
    if not isinstance(head, dict):
        raise EnvelopeError(st.MALFORMED_ENVELOPE, "缺少 head 对象")
    account_id = head.get("accountId")
    if not isinstance(account_id, str) or not account_id.strip():
        raise EnvelopeError(st.MISSING_ACCOUNT)
    encrypt_data = body.get("encryptData")
    if not isinstance(encrypt_data, str) or not encrypt_data:
        raise EnvelopeError(st.MALFORMED_ENVELOPE, "缺少 encryptData")
    return account_id.strip(), head, encrypt_data


def decrypt_text(private_key: sm2.PrivateKey, encrypt_data: str) -> bytes:
    try:
        data = binascii.unhexlify(encrypt_data)  # the usual form, read without copying it first
    except (binascii.Error, ValueError):
        # Line breaks and spaces appear in the standard's own example; they carry no meaning.
        try:
            data = bytes.fromhex("".join(encrypt_data.split()))
        except ValueError as exc:
            raise EnvelopeError(st.BAD_HEX) from exc
    try:
        return sm2.decrypt(private_key, data)
    except CryptoError as exc:  # InvalidCiphertextError included: well-formed hex, not a ciphertext
        raise EnvelopeError(st.DECRYPTION_FAILED) from exc


def open_request(body: Any, private_key: sm2.PrivateKey) -> OpenedRequest:
    """Provider side: check the shape, decrypt with our key, decode the parameters."""
    account_id, head, encrypt_data = split_envelope(body)
    params, wrapped = decode_params(decrypt_text(private_key, encrypt_data))
    return OpenedRequest(account_id=account_id, head=head, params=params, base64_wrapped=wrapped)


def seal_request(
    account_id: str,
    params: dict[str, Any],
    provider_key: sm2.PublicKey,
    *,
    head: dict[str, Any] | None = None,
    base64_wrap: bool = False,
) -> dict[str, Any]:
    """Caller side: the request body for a provider whose public key is ``provider_key``."""
    full_head = {"accountId": account_id, **(head or {})}
    ciphertext = sm2.encrypt_hex(provider_key, encode_params(params, base64_wrap=base64_wrap))
    return {"head": full_head, "encryptData": ciphertext}


def seal_response(
    status: st.Status,
    data: dict[str, Any] | None,
    caller_key: sm2.PublicKey | None,
    *,
    message: str | None = None,
    base64_wrap: bool = False,
) -> dict[str, Any]:
    """Provider side: the answer, encrypted for the caller when the caller is known."""
    body: dict[str, Any] = {"head": {"status": status.code, "message": message or status.message}}
    if caller_key is not None and data is not None:
        body["encryptData"] = sm2.encrypt_hex(caller_key, encode_params(data, base64_wrap=base64_wrap))
    return body


def open_response(body: Any, private_key: sm2.PrivateKey) -> OpenedResponse:
    """Caller side: read the head and decrypt the answer with our own key."""
    if not isinstance(body, dict) or not isinstance(body.get("head"), dict):
        raise EnvelopeError(st.MALFORMED_ENVELOPE, "应答缺少 head 对象")
    head = body["head"]
    code = head.get("status")
    if isinstance(code, int):
        code = str(code)
    if not isinstance(code, str):
        raise EnvelopeError(st.MALFORMED_ENVELOPE, "应答缺少 head.status")
    message = head.get("message") if isinstance(head.get("message"), str) else ""
    data = None
    encrypt_data = body.get("encryptData")
    if encrypt_data:
        if not isinstance(encrypt_data, str):
            raise EnvelopeError(st.MALFORMED_ENVELOPE, "应答 encryptData 不是字符串")
        data, _ = decode_params(decrypt_text(private_key, encrypt_data))
    return OpenedResponse(status=code, message=message, data=data, head=head)
