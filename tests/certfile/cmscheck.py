"""Independent inspection of CMS SignedData blobs (asn1crypto and, when present, OpenSSL)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from asn1crypto import cms

SM3_OID = "1.2.156.10197.1.401"
SM2_SM3_OID = "1.2.156.10197.1.501"
SM2_CURVE_OID = "1.2.156.10197.1.301"


def load(der: bytes) -> cms.ContentInfo:
    info = cms.ContentInfo.load(der, strict=True)
    assert info["content_type"].native == "signed_data"
    return info


def unpad(contents: bytes) -> bytes:
    """The DER inside a zero-padded PDF /Contents (its own length says where it ends)."""
    der = cms.ContentInfo.load(contents).dump()
    assert contents.startswith(der) and not contents[len(der) :].strip(b"\x00")
    return der


def signed_attrs_der(signer_info: cms.SignerInfo) -> bytes:
    """The signed attributes as the universal SET the signature covers (RFC 5652 5.4)."""
    return signer_info["signed_attrs"].untag().dump(force=True)


def attr(signer_info: cms.SignerInfo, name: str) -> object:
    (found,) = [a for a in signer_info["signed_attrs"] if a["type"].native == name]
    (value,) = found["values"]
    return value.native


def openssl_print(der: bytes) -> str:
    """`openssl cms -cmsout -print` of the blob; skips when OpenSSL is not installed."""
    binary = shutil.which("openssl")
    if binary is None:
        pytest.skip("openssl is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sig.der"
        path.write_bytes(der)
        done = subprocess.run(
            [binary, "cms", "-cmsout", "-inform", "DER", "-in", str(path), "-print"],
            capture_output=True,
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode(errors="replace")


def openssl_x509_text(der: bytes) -> str:
    binary = shutil.which("openssl")
    if binary is None:
        pytest.skip("openssl is not on PATH")
    done = subprocess.run(
        [binary, "x509", "-inform", "DER", "-noout", "-text", "-nameopt", "utf8"],
        input=der,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode(errors="replace")


def openssl_verify_sm2(public_key_der_spki: bytes, message: bytes, signature: bytes) -> bool:
    """Verify an SM2 signature (user ID 1234567812345678) with `openssl pkeyutl`.

    OpenSSL 3.0 cannot verify SM2 CMS or SM2 certificates end to end, but it verifies the raw
    SM2-with-SM3 signature over the signed attributes, which is the part that matters.
    """
    binary = shutil.which("openssl")
    if binary is None:
        pytest.skip("openssl is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "pub.der").write_bytes(public_key_der_spki)
        (base / "msg").write_bytes(message)
        (base / "sig").write_bytes(signature)
        done = subprocess.run(
            [
                binary,
                "pkeyutl",
                "-verify",
                "-pubin",
                "-keyform",
                "DER",
                "-inkey",
                str(base / "pub.der"),
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                "distid:1234567812345678",
                "-in",
                str(base / "msg"),
                "-sigfile",
                str(base / "sig"),
            ],
            capture_output=True,
            check=False,
        )
    return done.returncode == 0 and b"Verified Successfully" in done.stdout


def assert_openssl_accepts(info: cms.ContentInfo) -> None:
    """OpenSSL checks the SM2 signature of the (single) SignerInfo under its embedded certificate."""
    (signer_info,) = info["content"]["signer_infos"]
    (choice,) = info["content"]["certificates"]
    spki = choice.chosen["tbs_certificate"]["subject_public_key_info"].dump()
    attrs = signed_attrs_der(signer_info)
    signature = signer_info["signature"].native
    assert openssl_verify_sm2(spki, attrs, signature)
    assert not openssl_verify_sm2(spki, attrs + b"x", signature)
