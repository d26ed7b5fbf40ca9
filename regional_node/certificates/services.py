"""Write and read logic of the certificate store: the provider side of search, info, file and status."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ysj_protocol import profile
from ysj_protocol import status as st
from ysj_protocol.certfile import CertFileError
from ysj_protocol.contrib.compiled import CompiledLookup
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.envelope import EnvelopeError

from .. import demo, statements
from . import files
from .models import (
    Certificate,
    CertificateFile,
    CertificateStatus,
    Disclosure,
    DownloadTicket,
    Holder,
)

if TYPE_CHECKING:
    from ..exchange.published import SharedCatalog

UNKNOWN = profile.CertificateStatus.UNKNOWN.value
logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------- answers
def summary(certificate: Certificate) -> dict[str, Any]:
    """A search hit (docs/region-protocol.md): what 12.1.5 shows, plus our own reference.

    The type code is the one the hub knows: ``shared_type_code`` when the search or the caller
    set it, else the certificate's shared code in the catalog in force (``answered_code``).
    """
    return profile.search_entry(
        ref=certificate.ref,
        type_name=certificate.type_name,
        type_code=getattr(certificate, "shared_type_code", "") or answered_code(certificate),
        issue_dept=certificate.issue_dept,
        number=certificate.number,
        issue_date=certificate.issue_date.isoformat(),
        status=certificate.effective_status(),
    )


def details(certificate: Certificate) -> dict[str, Any]:
    """The fields of tables 6 and 7; an indefinite end of validity is an empty string (6.3 d)."""
    holder = certificate.holder
    return profile.info_answer(
        ref=certificate.ref,
        type_name=certificate.type_name,
        type_code=answered_code(certificate),
        holder_name=holder.name,
        holder_code=holder.code,
        holder_code_type=holder.code_type,
        issue_dept=certificate.issue_dept,
        number=certificate.number,
        issue_date=certificate.issue_date.isoformat(),
        valid_start=certificate.valid_from.isoformat(),
        valid_end=certificate.valid_until.isoformat() if certificate.valid_until else "",
        surface=certificate.surface,
        status=certificate.effective_status(),
    )


# ---------------------------------------------------------------------- reads
def search(
    holder: dict[str, str],
    type_codes: Iterable[str],
    *,
    type_name: str = "",
    number: str = "",
) -> list[Certificate]:
    """Valid certificates of ``holder`` among ``type_codes``, optionally narrowed by type name / face number.

    The holder is matched on code and code type; when a name is given it must match too, so a
    code paired with someone else's name discloses nothing. A requested code that is a shared
    catalog entry published to the region also finds the region's certificates of that type name
    kept under a local code; those are answered with the shared code (``shared_type_code``). A code
    asked for is answered as asked: the hub asks only for codes of its catalog, whose publication
    may not have reached the region yet. A type with no catalog entry in force is never found
    under any other code.

    One hand-written statement (``_search_sql``): the equivalent queryset cost about 2 ms of CPU
    per search, nearly all of it building and compiling the query; this costs about 0.4 ms. The
    certificates' holders are not loaded (a search answer does not show them).
    tests/regional_node/test_search_statement.py holds it to the queryset.
    """
    codes = list(type_codes)
    catalog = _shared_catalog()
    aliases = _aliases_among(catalog, codes)
    names = list(aliases)
    if not codes and not names:
        return []
    today = timezone.localdate()
    name = (holder.get("name") or "").strip()
    params: list[Any] = [CertificateStatus.VALID.value, today, today, holder["code"].strip().upper()]
    params += [holder["codeType"], *codes, *names, *(value for value in (name, type_name, number) if value)]
    sql = _search_sql(len(codes), len(names), bool(name), bool(type_name), bool(number))
    found = list(Certificate.objects.raw(sql, params))
    requested = set(codes)
    kept = []
    for certificate in found:
        if certificate.type_code in requested:
            certificate.shared_type_code = certificate.type_code
        elif certificate.type_code in catalog.codes:
            continue  # its own code is a shared code the call did not ask for
        else:
            certificate.shared_type_code = aliases[certificate.type_name]
        kept.append(certificate)
    return kept


@lru_cache(maxsize=256)
def _search_sql(codes: int, names: int, by_name: bool, by_type_name: bool, by_number: bool) -> str:
    """The search statement for one shape of parameters (placeholders in the order of ``search``).

    The same conditions and order as ``Certificate.objects.effective_valid()`` filtered by holder
    code and code type, ``type_code IN codes OR type_name IN names``, then holder name, type name
    and face number when given, ordered by type code, issue date descending, id.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(f"c.{quote(field.column)}" for field in Certificate._meta.concrete_fields)
    kinds = []
    if codes:
        kinds.append(f"c.type_code IN ({', '.join(['%s'] * codes)})")
    if names:
        kinds.append(f"c.type_name IN ({', '.join(['%s'] * names)})")
    where = [
        "c.status = %s",
        "c.valid_from <= %s",
        "(c.valid_until IS NULL OR c.valid_until >= %s)",
        "h.code = %s",
        "h.code_type = %s",
        f"({' OR '.join(kinds)})",
    ]
    if by_name:
        where.append("h.name = %s")
    if by_type_name:
        where.append("c.type_name = %s")
    if by_number:
        where.append("c.number = %s")
    # Only placeholders and names from the models' metadata go into the text.
    certificates, holders = quote(Certificate._meta.db_table), quote(Holder._meta.db_table)
    return (
        f"SELECT {columns} FROM {certificates} c INNER JOIN {holders} h ON h.id = c.holder_id"  # noqa: S608
        f" WHERE {' AND '.join(where)} ORDER BY c.type_code ASC, c.issue_date DESC, c.id ASC"
    )


def catalog_aliases(codes: Iterable[str]) -> dict[str, str]:
    """Local type name -> shared code, for the type names whose shared code is among ``codes``.

    The rule is the profile's (``ysj_protocol.profile.shared_type_aliases``) over the whole
    catalog in force, so a type name has one shared code whatever a call asks for; the catalog
    comes from the per-process cache of the published configuration (exchange/published.py).
    """
    return _aliases_among(_shared_catalog(), codes)


def shared_code(certificate: Certificate) -> str:
    """The shared catalog code of the certificate's type, or "" when the catalog in force has none.

    Its own code when that is a catalog code in force, else the code of its type name in the
    catalog (the lower one when two entries name the type). A certificate without one is never
    offered under a scenario list: a search does not find it, a service code does not carry it.
    """
    catalog = _shared_catalog()
    if certificate.type_code in catalog.codes:
        return certificate.type_code
    return catalog.by_name.get(certificate.type_name, "")


def answered_code(certificate: Certificate) -> str:
    """The type code the hub is told, outside a search: the shared code, else the region's own.

    The hub checks every certificate by the shared code it was found under, so an answer carrying
    a local code (its catalog entry withdrawn since) grants nothing a scenario list does not.
    """
    return shared_code(certificate) or certificate.type_code


def _shared_catalog() -> SharedCatalog:
    from ..exchange import published

    return published.shared_catalog()


def _aliases_among(catalog: SharedCatalog, codes: Iterable[str]) -> dict[str, str]:
    wanted = set(codes)
    return {name: code for name, code in catalog.by_name.items() if code in wanted}


#: The reads of every info, file and status call, compiled once (ysj_protocol.contrib.compiled).
_certificate_by_ref = CompiledLookup(Certificate, lambda ref: Certificate.objects.filter(ref=ref))
_certificate_by_number = CompiledLookup(
    Certificate, lambda number, type_code: Certificate.objects.filter(number=number, type_code=type_code)
)
_holder_by_id = CompiledLookup(Holder, lambda pk: Holder.objects.filter(pk=pk))
_file_of = CompiledLookup(
    CertificateFile,
    lambda certificate_id, file_format: CertificateFile.objects.filter(
        certificate_id=certificate_id, file_format=file_format
    ),
)


def get_certificate(ref: str) -> Certificate:
    """The certificate with its holder (two reads compiled once), or 4004."""
    certificate = _certificate_by_ref.first(ref)
    if certificate is None:
        raise EnvelopeError(st.CERTIFICATE_NOT_FOUND, "本地区无此证照")
    certificate.holder = _holder_by_id.first(certificate.holder_id)
    return certificate


def status_of(*, ref: str = "", number: str = "", type_code: str = "") -> str:
    """By our reference first, then by face number and type code; "unknown" when neither finds it.

    The type code may be ours or the shared one the hub knows the certificate by (its type name's
    code in the catalog in force). Reference and face number with our own type code are unique;
    both reads are compiled once.
    """
    certificate = _certificate_by_ref.first(ref) if ref else None
    if certificate is None and number and type_code:
        certificate = _certificate_by_number.first(number, type_code)
    if certificate is None and number and type_code:
        names = list(catalog_aliases([type_code]))
        candidates = Certificate.objects.filter(number=number, type_name__in=names).order_by("id")
        certificate = next((c for c in candidates if shared_code(c) == type_code), None)
    return certificate.effective_status() if certificate else UNKNOWN


# ---------------------------------------------------------------------- disclosures
def record_disclosure(
    action: str, certificates: Iterable[Certificate], audit: dict[str, str], request_id: str
) -> None:
    """One row per certificate disclosed, written before the answer leaves (one prepared insert)."""
    statements.insert(
        [
            Disclosure(
                action=action,
                certificate=certificate,
                app_id=audit.get("appId", "")[:64],
                item_code=audit.get("itemCode", "")[:64],
                item_org=audit.get("itemOrg", "")[:128],
                operator=audit.get("operator", "")[:64],
                use_for=audit.get("useFor", "")[:255],
                biz_num=audit.get("bizNum", "")[:64],
                request_id=request_id[:64],
            )
            for certificate in certificates
        ]
    )


# ---------------------------------------------------------------------- files
def ensure_file(certificate: Certificate, file_format: str) -> CertificateFile:
    """The signed file in ``file_format``, generated and stored on first request only."""
    existing = _file_of.first(certificate.pk, file_format)
    if existing is not None and (files.file_root() / existing.path).exists():
        return existing
    with transaction.atomic():
        # Serialise generation per certificate: a second caller waits and finds the file.
        Certificate.objects.select_for_update().filter(pk=certificate.pk).first()
        existing = CertificateFile.objects.filter(certificate=certificate, file_format=file_format).first()
        if existing is not None and (files.file_root() / existing.path).exists():
            return existing
        try:
            content = files.render_signed(certificate, file_format)
        except CertFileError as exc:
            logger.error("certificate %s cannot be rendered as %s: %s", certificate.ref, file_format, exc)
            raise EnvelopeError(st.CERTIFICATE_NOT_FOUND, "该证照的电子文件暂不可用，请联系颁证地区") from exc
        relative = files.relative_path(certificate, file_format)
        size, digest = files.write_file(relative, content)
        values = {
            "path": relative,
            "size": size,
            "sm3": digest,
            "signer_fingerprint": files.node_private_key().public_key.fingerprint(),
        }
        stored, _ = CertificateFile.objects.update_or_create(
            certificate=certificate, file_format=file_format, defaults=values
        )
        return stored


def issue_ticket(certificate_file: CertificateFile, biz_num: str = "") -> tuple[str, DownloadTicket]:
    """A fresh single-use ticket; only its digest is stored, the token goes to the caller.

    One prepared insert (statements.py); the returned ticket's ``pk`` is not read back.
    """
    token = secrets.token_urlsafe(32)
    ticket = DownloadTicket(
        token_digest=sm3_hex(token.encode("ascii")),
        file=certificate_file,
        biz_num=biz_num[:64],
        expires_at=timezone.now() + dt.timedelta(seconds=settings.NODE_TICKET_SECONDS),
    )
    statements.insert([ticket])
    return token, ticket


def redeem_ticket(token: str) -> CertificateFile | None:
    """The file of a valid ticket, marking it used; None when unknown, used or expired.

    A single conditional UPDATE makes the ticket single-use even under concurrent downloads.
    """
    if not token or len(token) > 128:
        return None
    digest = sm3_hex(token.encode("utf-8"))
    now = timezone.now()
    claimed = DownloadTicket.objects.filter(
        token_digest=digest, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:
        return None
    return CertificateFile.objects.select_related("certificate").get(tickets__token_digest=digest)


def purge_tickets(older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    deleted, _ = DownloadTicket.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted


# ---------------------------------------------------------------------- management
@transaction.atomic
def set_status(certificate: Certificate, new_status: str, reason: str = "") -> Certificate:
    if new_status not in CertificateStatus.values:
        raise ValueError(f"unknown status {new_status!r}")
    certificate.status = new_status
    certificate.status_reason = reason[:255]
    certificate.save(update_fields=["status", "status_reason", "updated_at"])
    return certificate


@transaction.atomic
def seed_demo(region: str) -> tuple[int, int]:
    """Load the demo certificates of ``region`` (idempotent: re-running updates in place)."""
    holders: dict[tuple[str, str], Holder] = {}
    count = 0
    for item in demo.certificates_for_region(region):
        key = (item.holder_code_type, item.holder_code)
        if key not in holders:
            holders[key], _ = Holder.objects.update_or_create(
                code_type=item.holder_code_type, code=item.holder_code, defaults={"name": item.holder_name}
            )
        Certificate.objects.update_or_create(
            type_code=item.type_code,
            number=item.number,
            defaults={
                "ref": item.ref,
                "holder": holders[key],
                "type_name": item.type_name,
                "issue_dept": item.issue_dept,
                "issue_date": item.issue_date,
                "valid_from": item.valid_from,
                "valid_until": item.valid_until,
                "status": item.status,
                "surface": item.surface,
            },
        )
        count += 1
    return len(holders), count

