"""SM2 public-key encryption and signatures (GB/T 32918.2/.4-2016) on the curve sm2p256v1.

Conventions used across the project (see the specification notes, section 12.1):

* Ciphertexts are ``C1 || C3 || C2`` by default (GB/T 32918.4-2016 order); ``C1C2C3`` (the
  older order, still gmssl's and Bouncy Castle's default) is available through ``order=``.
  C1 is emitted as the uncompressed point with its ``04`` prefix; :func:`decrypt` also accepts
  C1 without it, telling the two forms apart by the point test and the C3 check, never by
  looking for a "04" character.
* C3 is checked on every decryption, in constant time. A ciphertext that verifies only in the
  other order raises :class:`CiphertextOrderError` (a peer on the old order, not a wrong key).
* The GM/T 0009 DER form ``SEQUENCE {x, y, hash, ciphertext}`` (OpenSSL 3, GmSSL, Bouncy
  Castle) is written by :func:`encrypt_der` and read by :func:`decrypt_der`; :func:`decrypt_any`
  reads every form and says whether it was DER.
* Signatures use the user ID ``1234567812345678`` (GB/T 35276) unless one is passed, and are
  raw ``r || s`` (64 bytes) or DER; :func:`verify` accepts both and only ever returns a bool.
* The per-message secret k (encryption and signing) comes from :mod:`secrets`.

The package: ``_curve`` (point arithmetic and comb tables; every point is validated here, not
by the libraries it calls), ``_precompute`` (ready ephemeral values for keys encrypted to
repeatedly), ``_keys``, ``_cipher`` and ``_signature`` (the public API, re-exported here).

Timing: NEITHER PATH IS CONSTANT-TIME. fastecdsa's scalar multiplication, the comb and
Python's integers all take time that depends on the scalar, so decryption, signing and key
derivation leak information about the private key and about k through their duration. The
threat model accepts this: SM2 private keys live on the hub's and the regional nodes' own
servers, reached only over the government network, with no untrusted code on those hosts, so
an attacker can only time requests remotely through that network. It is not acceptable on
hosts shared with untrusted tenants or where an attacker can time many private-key operations
from close by; there, use a constant-time implementation (an HSM, or OpenSSL/GmSSL's SM2).
"""

from __future__ import annotations

from ._cipher import (
    CiphertextOrderError,
    decode_der_ciphertext,
    decrypt,
    decrypt_any,
    decrypt_der,
    decrypt_hex,
    encode_der_ciphertext,
    encrypt,
    encrypt_der,
    encrypt_hex,
)
from ._curve import GX, GY, A, B, N, P  # noqa: F401 - the curve's parameters, for callers
from ._keys import PrivateKey, PublicKey
from ._precompute import precompute_enabled, ready_count, set_precompute
from ._signature import DEFAULT_USER_ID, decode_der_signature, encode_der_signature, sign, verify, za

__all__ = [
    "DEFAULT_USER_ID",
    "CiphertextOrderError",
    "PrivateKey",
    "PublicKey",
    "decode_der_ciphertext",
    "decode_der_signature",
    "decrypt",
    "decrypt_any",
    "decrypt_der",
    "decrypt_hex",
    "encode_der_ciphertext",
    "encode_der_signature",
    "encrypt",
    "encrypt_der",
    "encrypt_hex",
    "precompute_enabled",
    "ready_count",
    "set_precompute",
    "sign",
    "verify",
    "za",
]
