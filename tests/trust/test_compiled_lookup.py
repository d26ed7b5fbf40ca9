"""Lookups compiled once: the same rows as the ORM gives, one query per call, the ORM when unsure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trust.models import AccessToken
from trust.tokens import token_digest
from ysj_protocol.contrib.compiled import CompiledLookup

from .factories import access_token, registered_app

pytestmark = pytest.mark.django_db

BY_DIGEST = CompiledLookup(
    AccessToken, lambda digest: AccessToken.objects.only("id", "application_id", "expires_at").filter(token_hash=digest)
)


def test_the_same_row_as_the_orm_in_one_query_compiled_once():
    app, _ = registered_app("app-compiled")
    first, second = access_token(app), access_token(app)
    lookup = CompiledLookup(AccessToken, BY_DIGEST.build)
    for token in (first, second):
        expected = AccessToken.objects.get(token_hash=token_digest(token))
        with CaptureQueriesContext(connection) as queries:
            row = lookup.first(token_digest(token))
        assert len(queries) == 1
        assert (row.pk, row.application_id, row.expires_at) == (expected.pk, app.pk, expected.expires_at)
        assert isinstance(row.expires_at, dt.datetime) and row.expires_at.tzinfo is not None
    (compiled,) = lookup._sql.values()  # compiled once, for this database
    assert compiled is not None and "LIMIT 1" in compiled


def test_deferred_fields_still_load_on_access():
    app, _ = registered_app("app-deferred")
    token = access_token(app)
    row = BY_DIGEST.first(token_digest(token))
    assert "prefix" in row.get_deferred_fields()
    assert row.prefix == AccessToken.objects.get(pk=row.pk).prefix


def test_nothing_found_is_none():
    assert BY_DIGEST.first(token_digest("not-a-token")) is None


def test_a_queryset_that_rewrites_its_values_goes_through_the_orm():
    app, _ = registered_app("app-rewrite")
    token = access_token(app)
    digest = token_digest(token)
    # ``contains`` wraps the value in wildcards: the sentinel does not come back as it went in.
    lookup = CompiledLookup(AccessToken, lambda part: AccessToken.objects.filter(token_hash__contains=part))
    assert lookup.first(digest[5:20]).token_hash == digest
    assert list(lookup._sql.values()) == [None]
    assert lookup.first("no-such-part") is None


def test_integer_values_compile_too():
    app, _ = registered_app("app-integer")
    token = access_token(app)
    expected = AccessToken.objects.get(token_hash=token_digest(token))
    by_owner = CompiledLookup(
        AccessToken, lambda app_pk, digest: AccessToken.objects.filter(application_id=app_pk, token_hash=digest)
    )
    assert by_owner.first(app.pk, token_digest(token)).pk == expected.pk
    assert by_owner.first(app.pk + 1000, token_digest(token)) is None
    (compiled,) = by_owner._sql.values()
    assert compiled is not None
