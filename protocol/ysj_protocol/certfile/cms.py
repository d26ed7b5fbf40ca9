"""CMS SignedData (RFC 5652) with SM2/SM3, as carried by signed PDF and OFD files.

One format serves both file types: a detached SignedData whose signed attributes hold the SM3
digest of the signed bytes (the PDF ByteRange, or the OFD Signature.xml) and whose signature is an
SM2 signature (default user ID, DER r/s) over the DER of those attributes. The signer is named by
SubjectKeyIdentifier = SM3 fingerprint of its public key, and a self-issued X.509 certificate for
that key travels in the SignedData, bound to the signature by a signingCertificateV2 attribute
(RFC 5035, SM3 hash) so that not even its bytes can be swapped. The certificate is only a carrier
for the key: trust comes from comparing the key with the region's registered key, never from the
certificate itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import algos, cms, core, keys, tsp, x509

from ysj_protocol.crypto import sm2, sm3
from ysj_protocol.crypto.errors import CryptoError

from .signer import ApplicationSignerInfo, SignerInfo

#: Who a signature is made by: the issuing region, or an application system countersigning (11.4).
Signer = SignerInfo | ApplicationSignerInfo

SM3_OID = "1.2.156.10197.1.401"
SM2_SM3_OID = "1.2.156.10197.1.501"
#: GM/T 0010 "SM2 signature" OID, accepted on input because several signers use it in SignerInfo.
SM2_SIGN_OID = "1.2.156.10197.1.301.1"
SM2_CURVE_OID = "1.2.156.10197.1.301"
EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1"
CERT_VALIDITY = timedelta(days=3650)


class SignatureFormatError(ValueError):
    """The signature container cannot be parsed or uses an algorithm this profile does not allow."""


def _register_oid(cls: type[core.ObjectIdentifier], oid: str, name: str) -> None:
    # asn1crypto keeps class-level maps; registering only adds readable names, all checks use dotted OIDs.
    if oid not in cls._map:
        cls._map[oid] = name
        if cls._reverse_map is not None:
            cls._reverse_map[name] = oid


_register_oid(algos.DigestAlgorithmId, SM3_OID, "sm3")
_register_oid(algos.SignedDigestAlgorithmId, SM2_SM3_OID, "sm2_sm3")
if SM2_CURVE_OID not in keys.NamedCurve._map:
    keys.NamedCurve.register("sm2p256v1", SM2_CURVE_OID, 32)


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der_prefix_length(data: bytes) -> int:
    """Length of the first DER element in `data`, so zero padding after it can be cut off."""
    if len(data) < 2:
        raise SignatureFormatError("signature container too short")
    first = data[1]
    if first < 0x80:
        total = 2 + first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(data) < 2 + count:
            raise SignatureFormatError("bad DER length")
        total = 2 + count + int.from_bytes(data[2 : 2 + count], "big")
    if total > len(data):
        raise SignatureFormatError("signature container truncated")
    return total


def _time(value: datetime, choice: type[core.Choice]) -> core.Choice:
    # RFC 5280 / 5652: UTCTime up to 2049, GeneralizedTime from 2050.
    value = value.astimezone(UTC)
    if 1950 <= value.year < 2050:
        return choice(name="utc_time", value=value)
    other = "general_time" if choice is x509.Time else "generalized_time"
    return choice(name=other, value=value)


def key_identifier(public_key: sm2.PublicKey) -> bytes:
    """SubjectKeyIdentifier of a region key: SM3 of the uncompressed point (the key fingerprint)."""
    return bytes.fromhex(public_key.fingerprint())


def build_signer_certificate(private_key: sm2.PrivateKey, signer: Signer) -> x509.Certificate:
    """Self-issued certificate for the signer's SM2 key (CN = region name, or the application's appId)."""
    public_key = private_key.public_key
    ski = key_identifier(public_key)
    name = x509.Name.build(
        {
            "country_name": "CN",
            "organization_name": signer.organization,
            "common_name": signer.common_name,
        }
    )
    not_before = signer.signing_time.astimezone(UTC) - timedelta(minutes=5)
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": int.from_bytes(ski[:16], "big") >> 1 or 1,
            "signature": {"algorithm": SM2_SM3_OID},
            "issuer": name,
            "validity": {
                "not_before": _time(not_before, x509.Time),
                "not_after": _time(not_before + CERT_VALIDITY, x509.Time),
            },
            "subject": name,
            "subject_public_key_info": {
                "algorithm": {
                    "algorithm": EC_PUBLIC_KEY_OID,
                    "parameters": keys.ECDomainParameters(name="named", value=SM2_CURVE_OID),
                },
                "public_key": public_key.to_bytes(),
            },
            "extensions": [
                {"extn_id": "key_identifier", "critical": False, "extn_value": ski},
                {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}},
                {
                    "extn_id": "key_usage",
                    "critical": True,
                    "extn_value": {"digital_signature", "non_repudiation"},
                },
            ],
        }
    )
    signature = sm2.sign(private_key, tbs.dump(), der=True)
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": SM2_SM3_OID},
            "signature_value": signature,
        }
    )


def build_signed_data(content_digest: bytes, private_key: sm2.PrivateKey, signer: Signer) -> bytes:
    """DER ContentInfo(SignedData), detached, over content whose SM3 digest is `content_digest`."""
    if len(content_digest) != 32:
        raise ValueError("content_digest must be a 32-byte SM3 digest")
    certificate = build_signer_certificate(private_key, signer)
    signing_certificate = tsp.SigningCertificateV2(
        {
            "certs": [
                {"hash_algorithm": {"algorithm": SM3_OID}, "cert_hash": sm3.sm3_digest(certificate.dump())}
            ]
        }
    )
    attributes = [
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [_time(signer.signing_time, cms.Time)]}),
        cms.CMSAttribute({"type": "message_digest", "values": [content_digest]}),
        cms.CMSAttribute({"type": "signing_certificate_v2", "values": [signing_certificate]}),
    ]
    # DER orders SET OF members by their encodings; asn1crypto keeps insertion order, so sort here.
    attributes.sort(key=lambda attr: attr.dump())
    signed_attrs = cms.CMSAttributes(attributes)
    signature = sm2.sign(private_key, signed_attrs.dump(), der=True)
    signer_info = cms.SignerInfo(
        {
            "version": "v3",
            "sid": cms.SignerIdentifier(
                name="subject_key_identifier", value=key_identifier(private_key.public_key)
            ),
            "digest_algorithm": {"algorithm": SM3_OID},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": SM2_SM3_OID},
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": SM3_OID}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [certificate],
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


@dataclass(frozen=True)
class ParsedSignature:
    """What a verifier needs from a SignedData; `verify()` checks the SM2 signature itself."""

    public_key: sm2.PublicKey
    message_digest: bytes
    signing_time: datetime | None
    signed_attrs_der: bytes
    signature: bytes
    #: The signed signingCertificateV2 hash matches the certificate the key was taken from.
    certificate_bound: bool
    #: Subject CN and O of the signer certificate (bound to the signature when certificate_bound).
    subject_common_name: str = ""
    subject_organization: str = ""

    def verify(self) -> bool:
        if not self.certificate_bound:
            return False
        try:
            return bool(sm2.verify(self.public_key, self.signed_attrs_der, self.signature))
        except (CryptoError, ValueError):
            return False


def _certificate_key(certificate: x509.Certificate) -> sm2.PublicKey | None:
    spki = certificate["tbs_certificate"]["subject_public_key_info"]
    algorithm = spki["algorithm"]
    if algorithm["algorithm"].dotted != EC_PUBLIC_KEY_OID:
        return None
    params = algorithm["parameters"]
    if not isinstance(params, keys.ECDomainParameters) or params.name != "named":
        return None
    if params.chosen.dotted != SM2_CURVE_OID:
        return None
    point = spki["public_key"].native
    try:
        return sm2.PublicKey.from_hex(bytes(point).hex())
    except (CryptoError, ValueError):
        return None


def _single_attr(signed_attrs: cms.CMSAttributes, oid: str) -> core.Asn1Value | None:
    found = [attr for attr in signed_attrs if attr["type"].dotted == oid]
    if not found:
        return None
    if len(found) > 1 or len(found[0]["values"]) != 1:
        raise SignatureFormatError(f"attribute {oid} must occur once with one value")
    return found[0]["values"][0]


def _find_signer(
    signer_info: cms.SignerInfo, certificates: list[x509.Certificate]
) -> tuple[x509.Certificate, sm2.PublicKey]:
    sid = signer_info["sid"]
    for certificate in certificates:
        key = _certificate_key(certificate)
        if key is None:
            continue
        if sid.name == "subject_key_identifier":
            # Match on the key itself, never on the certificate's own SKI extension.
            if key_identifier(key) == sid.chosen.native:
                return certificate, key
        else:
            tbs = certificate["tbs_certificate"]
            ias = sid.chosen
            if tbs["issuer"] == ias["issuer"] and tbs["serial_number"].native == ias["serial_number"].native:
                return certificate, key
    raise SignatureFormatError("no SM2 certificate in the signature matches the signer")


def _certificate_bound(signing_certificate: core.Asn1Value | None, certificate: x509.Certificate) -> bool:
    if signing_certificate is None:
        raise SignatureFormatError("signingCertificateV2 attribute missing")
    certs = list(signing_certificate["certs"])
    if not certs:
        raise SignatureFormatError("signingCertificateV2 names no certificate")
    first = certs[0]
    if first["hash_algorithm"]["algorithm"].dotted != SM3_OID:
        raise SignatureFormatError("signingCertificateV2 hash is not SM3")
    return bytes(first["cert_hash"].native) == sm3.sm3_digest(certificate.dump())


def parse_signed_data(data: bytes) -> ParsedSignature:
    """Parse a detached SM2/SM3 SignedData; anything outside the profile is a SignatureFormatError."""
    try:
        return _parse(data[: der_prefix_length(data)])
    except SignatureFormatError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise SignatureFormatError(f"cannot parse CMS SignedData: {exc}") from exc


def _parse(der: bytes) -> ParsedSignature:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise SignatureFormatError("CMS content is not SignedData")
    # A definite length reaching past the last field (e.g. into PDF zero padding) is not DER.
    if len(info.contents) != len(info["content_type"].dump()) + len(info["content"].dump()):
        raise SignatureFormatError("ContentInfo has bytes after its last field")
    signed_data = info["content"]
    encap = signed_data["encap_content_info"]
    if encap["content_type"].native != "data" or encap["content"].native is not None:
        raise SignatureFormatError("SignedData must be detached over id-data")
    if [alg["algorithm"].dotted for alg in signed_data["digest_algorithms"]] != [SM3_OID]:
        raise SignatureFormatError("SignedData digest algorithms must be exactly SM3")
    signer_infos = list(signed_data["signer_infos"])
    if len(signer_infos) != 1:
        raise SignatureFormatError("exactly one SignerInfo expected")
    signer_info = signer_infos[0]
    # RFC 5652 5.1/5.3: version 3 exactly when the signer is named by SubjectKeyIdentifier.
    expected_version = 3 if signer_info["sid"].name == "subject_key_identifier" else 1
    if (
        signer_info["version"].native != f"v{expected_version}"
        or signed_data["version"].native != f"v{expected_version}"
    ):
        raise SignatureFormatError("SignedData/SignerInfo version does not match the signer identifier")
    if signer_info["digest_algorithm"]["algorithm"].dotted != SM3_OID:
        raise SignatureFormatError("digest algorithm is not SM3")
    if signer_info["signature_algorithm"]["algorithm"].dotted not in (SM2_SM3_OID, SM2_SIGN_OID):
        raise SignatureFormatError("signature algorithm is not SM2 with SM3")
    signed_attrs = signer_info["signed_attrs"]
    if not isinstance(signed_attrs, cms.CMSAttributes) or not len(signed_attrs):
        raise SignatureFormatError("signed attributes missing")
    content_type = _single_attr(signed_attrs, "1.2.840.113549.1.9.3")
    if content_type is None or content_type.dotted != "1.2.840.113549.1.7.1":
        raise SignatureFormatError("contentType attribute missing or not id-data")
    digest = _single_attr(signed_attrs, "1.2.840.113549.1.9.4")
    if digest is None or len(digest.native) != 32:
        raise SignatureFormatError("messageDigest attribute missing or not an SM3 digest")
    signing_time = _single_attr(signed_attrs, "1.2.840.113549.1.9.5")
    certificates = [
        choice.chosen for choice in (signed_data["certificates"] or []) if choice.name == "certificate"
    ]
    certificate, key = _find_signer(signer_info, certificates)
    bound = _certificate_bound(_single_attr(signed_attrs, "1.2.840.113549.1.9.16.2.47"), certificate)
    # The signature covers the attributes re-tagged as a universal SET, with their stored contents.
    contents = signed_attrs.contents
    attrs_der = b"\x31" + _der_length(len(contents)) + contents
    return ParsedSignature(
        public_key=key,
        message_digest=bytes(digest.native),
        signing_time=signing_time.native if signing_time is not None else None,
        signed_attrs_der=attrs_der,
        signature=bytes(signer_info["signature"].native),
        certificate_bound=bound,
        subject_common_name=_subject_text(certificate, "common_name"),
        subject_organization=_subject_text(certificate, "organization_name"),
    )


def _subject_text(certificate: x509.Certificate, field: str) -> str:
    value = certificate["tbs_certificate"]["subject"].native.get(field, "")
    return value if isinstance(value, str) else ""
