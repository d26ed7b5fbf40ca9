"""What the notice tests make: holder sessions, service codes of the live nodes, a refusing table."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
from django.db import connection

from regional_node.demo import DEMO_PERSON
from trust.holders import ID_CARD
from ysj_protocol.service_code import issue_service_code

from ..regional import node_key
from ..sharing.conftest import AppCaller
from ..trust.holders import resident_id

NOTICES = "/api/v1/holders/notices"
#: A person the nodes know nothing of: their token finds no certificate and has no notice.
STRANGER_ID = resident_id("32010219851111002")


def notices_call(caller: AppCaller, trusted_token: str | None, item_code: str = "SC-ALL", **extra: Any):
    from ..sharing.conftest import audit

    params = audit(item_code, **extra)
    if trusted_token is not None:
        params["trustedToken"] = trusted_token
    return caller.call(NOTICES, params)


def holder_token(caller: AppCaller, *, code: str = DEMO_PERSON.code, name: str = DEMO_PERSON.name, **fields: Any) -> str:
    """A further holder token of ``caller``'s application (another holder, or another permission)."""
    from trust.holders import HolderIdentity
    from trust.models import AuthType
    from trust.services import issue_holder_token

    holder = HolderIdentity(name=name, code_type=ID_CARD, code=code)
    return issue_holder_token(
        application=caller.session.application, holder=holder, auth_type=AuthType.ID_CARD, **fields
    ).token


def node_service_code(node: Any, *, holder_code: str = DEMO_PERSON.code, with_certificates: bool = True) -> str:
    """A genuine service code the node issues for one of its holders."""
    response = httpx.post(
        node.url + "/api/v1/service-codes/issue",
        json={"holderCode": holder_code, "withCertificates": with_certificates},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["serviceCode"]


def expired_service_code(region: str = "SH") -> str:
    """A code signed with the region's own key, expired ten minutes ago."""
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    claims = {"name": DEMO_PERSON.name, "idCard": DEMO_PERSON.code}
    return issue_service_code("suishenma", region, node_key(region), claims, ttl_seconds=600, now=issued)


def forged(code: str) -> str:
    """The code with another signature: what a forger without the region's key can make."""
    body, signature = code.rsplit(".", 1)
    return f"{body}.{signature[::-1]}"


@contextlib.contextmanager
def inserts_refused(table: str) -> Iterator[None]:
    """The database refuses every insert into ``table`` (a trigger), on SQLite and PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION test_refuse_insert() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'insert refused by the test'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(f"CREATE TRIGGER test_refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_refuse_insert()")
        else:
            cursor.execute(
                f"CREATE TRIGGER test_refuse BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'insert refused by the test'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS test_refuse ON {table}")
                cursor.execute("DROP FUNCTION IF EXISTS test_refuse_insert()")
            else:
                cursor.execute("DROP TRIGGER IF EXISTS test_refuse")

