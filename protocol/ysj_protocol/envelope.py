"""The section-12 envelope: ``{"head": {...}, "encryptData": "<hex SM2 C1C3C2>"}``.

Both the provider and the caller side live here, free of any web framework, so the hub, the
regional nodes and application systems share one implementation. READING.md fixes the reading:
upper-case hex is emitted and either case accepted; C1 is emitted with its ``04`` prefix and
accepted without it; the plaintext is UTF-8 JSON, optionally Base64-encoded by the caller, and
the answer uses the form the caller used. The same holds for the ciphertext: the hex of the
GM/T 0009 DER form (what OpenSSL 3, GmSSL and Bouncy Castle produce) is accepted and a DER
caller is answered in DER. A ciphertext in the old C1C2C3 order is recognised by its C3 and
refused with its own code (1013), not as a wrong key (1005).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from typing import Any

from . import status as st
from .crypto import sm2
from .crypto.errors import CryptoError

_UPPER_HEX = str.maketrans("abcdef", "ABCDEF")  # str.upper() is much slower on megabytes of hex


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
    #: Whether the caller sent the GM/T 0009 DER form (its answer is then DER too).
    der: bool = False


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


#: Deepest nesting accepted in a request body or in its business parameters. The envelope and the
#: parameters of section 12 are at most three levels deep; a limit far below Python's recursion
#: limit keeps every later step (validation, records, answers) clear of the stack's end.
MAX_JSON_DEPTH = 32
#: Longest integer literal accepted, in characters: far above any count of section 12, far below
#: Python's int-string conversion limit, whose ValueError would otherwise surface as a crash.
MAX_INT_DIGITS = 64


class JSONRefused(ValueError):
    """JSON text a provider will not take in; ``reason`` says why, in Chinese, for the answer's message."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _parse_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise JSONRefused(f"整数超过 {MAX_INT_DIGITS} 位")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRefused("数值超出范围")
    return value


def _parse_constant(text: str) -> Any:
    raise JSONRefused(f"不支持 {text}")


def _depth_problem(value: Any) -> str | None:
    """Walk the decoded value without recursion; a message if it nests deeper than allowed."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return f"嵌套超过 {MAX_JSON_DEPTH} 层"
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return None


def load_json(data: bytes) -> Any:
    """Strict UTF-8 JSON for hostile input: bounded nesting and integers, no NaN or Infinity.

    Raises ``JSONRefused`` (a ``ValueError``) with the reason, never ``RecursionError`` or the
    int-string conversion error: every way this text can be wrong has a documented status.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONRefused("不是合法的 UTF-8 文本") from exc
    try:
        value = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except JSONRefused:
        raise
    except RecursionError as exc:
        raise JSONRefused(f"嵌套超过 {MAX_JSON_DEPTH} 层") from exc
    except ValueError as exc:  # JSONDecodeError and any conversion limit of the interpreter
        raise JSONRefused("不是合法的 JSON") from exc
    problem = _depth_problem(value)
    if problem:
        raise JSONRefused(problem)
    return value


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "含有空字符（NUL）"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "含有无法以 UTF-8 表示的字符（单独的代理码点）"
    return None


def unsafe_text(value: Any, prefix: str = "") -> str | None:
    """Where a decoded JSON value holds text no database or log can keep, and why; None if nowhere.

    NUL (which PostgreSQL refuses in text) and lone surrogates (which UTF-8 cannot encode) are
    legal in JSON escapes; they are refused at the door, in keys as in values, rather than
    failing in whatever stores or logs them later.
    """
    stack: list[tuple[Any, str]] = [(value, prefix)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            problem = _text_problem(item)
            if problem:
                return f"{path or '值'} {problem}"
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = _text_problem(key)
                name = f"{path}.{key}" if path else key
                if problem:
                    return f"{path or '对象'} 的字段名{problem}"
                stack.append((child, name))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(item))
    return None


def decode_params(plaintext: bytes) -> tuple[dict[str, Any], bool]:
    """The business parameters and whether the caller Base64-wrapped them.

    A JSON object starts with ``{`` (after optional white space); anything else is tried as
    Base64 of one, which is the reading of "BASE64+HEX" in 12.1.1. Hostile JSON (too deep, huge
    integers) is refused with 1006 and its reason, like any other text that is not parameters.
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
        params = load_json(stripped)
    except JSONRefused as exc:
        raise EnvelopeError(st.BAD_PLAINTEXT, exc.reason) from exc
    if not isinstance(params, dict):
        raise EnvelopeError(st.BAD_PLAINTEXT)
    return params, wrapped


def split_envelope(body: Any) -> tuple[str, dict[str, Any], str]:
    """Account ID, head and ciphertext of a request body already parsed from JSON.

    Text that no record can keep (NUL, lone surrogates) anywhere in the envelope is refused with
    1001 here, before the account is looked up in a database that would fail on it.
    """
    if not isinstance(body, dict):
        raise EnvelopeError(st.MALFORMED_ENVELOPE)
    head = body.get("head")
    if not isinstance(head, dict):
        raise EnvelopeError(st.MALFORMED_ENVELOPE, "缺少 head 对象")
    problem = unsafe_text(body)
    if problem:
        raise EnvelopeError(st.MALFORMED_ENVELOPE, problem)
    account_id = head.get("accountId")
    if not isinstance(account_id, str) or not account_id.strip():
        raise EnvelopeError(st.MISSING_ACCOUNT)
    encrypt_data = body.get("encryptData")
    if not isinstance(encrypt_data, str) or not encrypt_data:
        raise EnvelopeError(st.MALFORMED_ENVELOPE, "缺少 encryptData")
    return account_id.strip(), head, encrypt_data


def decrypt_text(private_key: sm2.PrivateKey, encrypt_data: str) -> bytes:
    """The plaintext of ``encryptData`` in any accepted form."""
    return decrypt_text_form(private_key, encrypt_data)[0]


def decrypt_text_form(private_key: sm2.PrivateKey, encrypt_data: str) -> tuple[bytes, bool]:
    """The plaintext of ``encryptData`` and whether it was the DER form, for answering in kind."""
    try:
        data = binascii.unhexlify(encrypt_data)  # the usual form, read without copying it first
    except (binascii.Error, ValueError):
        # Line breaks and spaces appear in the standard's own example; they carry no meaning.
        try:
            data = bytes.fromhex("".join(encrypt_data.split()))
        except ValueError as exc:
            raise EnvelopeError(st.BAD_HEX) from exc
    try:
        return sm2.decrypt_any(private_key, data)
    except sm2.CiphertextOrderError as exc:
        raise EnvelopeError(st.WRONG_CIPHERTEXT_ORDER) from exc
    except CryptoError as exc:  # InvalidCiphertextError included: well-formed hex, not a ciphertext
        raise EnvelopeError(st.DECRYPTION_FAILED) from exc


def encrypt_text(public_key: sm2.PublicKey, plaintext: bytes, *, der: bool = False) -> str:
    """``encryptData`` for ``plaintext``: upper-case hex of C1C3C2, or of its DER form."""
    if der:
        return sm2.encrypt_der(public_key, plaintext).hex().translate(_UPPER_HEX)
    return sm2.encrypt_hex(public_key, plaintext)


def open_request(body: Any, private_key: sm2.PrivateKey) -> OpenedRequest:
    """Provider side: check the shape, decrypt with our key, decode the parameters."""
    account_id, head, encrypt_data = split_envelope(body)
    plaintext, der = decrypt_text_form(private_key, encrypt_data)
    params, wrapped = decode_params(plaintext)
    return OpenedRequest(account_id=account_id, head=head, params=params, base64_wrapped=wrapped, der=der)


def seal_request(
    account_id: str,
    params: dict[str, Any],
    provider_key: sm2.PublicKey,
    *,
    head: dict[str, Any] | None = None,
    base64_wrap: bool = False,
    der: bool = False,
) -> dict[str, Any]:
    """Caller side: the request body for a provider whose public key is ``provider_key``."""
    full_head = {"accountId": account_id, **(head or {})}
    ciphertext = encrypt_text(provider_key, encode_params(params, base64_wrap=base64_wrap), der=der)
    return {"head": full_head, "encryptData": ciphertext}


def seal_response(
    status: st.Status,
    data: dict[str, Any] | None,
    caller_key: sm2.PublicKey | None,
    *,
    message: str | None = None,
    base64_wrap: bool = False,
    der: bool = False,
) -> dict[str, Any]:
    """Provider side: the answer, encrypted for the caller when the caller is known."""
    body: dict[str, Any] = {"head": {"status": status.code, "message": message or status.message}}
    if caller_key is not None and data is not None:
        body["encryptData"] = encrypt_text(caller_key, encode_params(data, base64_wrap=base64_wrap), der=der)
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
