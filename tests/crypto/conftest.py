"""Fixtures for the cryptography layer's tests, which need neither Django nor a database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ysj_protocol.crypto import sm3


@pytest.fixture(autouse=True, scope="session")
def _hub_key() -> None:
    """Shadows the project-wide fixture of the same name, which configures Django settings.

    These tests are Django-free and must also run with ``-p no:django``.
    """


def _engine_params() -> list[object]:
    params: list[object] = [pytest.param("openssl", id="openssl")]
    native = sm3._native_module
    required = os.environ.get("YSJ_REQUIRE_NATIVE_SM3") == "1"
    if native is None:
        # Without the extension the native runs are skipped, or fail when it is required.
        marks = [] if required else [pytest.mark.skip("native SM3 extension not built (pip install -e .)")]
        params.append(pytest.param("native-portable", id="native-portable", marks=marks))
    else:
        params += [pytest.param(f"native-{name}", id=f"native-{name}") for name in native.implementations()]
    return params


@pytest.fixture(params=_engine_params())
def sm3_engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs a test once per SM3 engine (OpenSSL fallback and every compiled native path).

    Everything above SM3 (KDF, SM2, HMAC) looks the engine up at call time, so the whole
    stack runs on the selected one. With YSJ_REQUIRE_NATIVE_SM3=1 a missing extension fails.
    """
    name: str = request.param
    if name == "openssl":
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(sm3, "_backend", sm3._OPENSSL_BACKEND)
            yield name
        return
    native = sm3._native_module
    if native is None:
        pytest.fail("native SM3 extension is required but not built")
    previous = native.select_implementation(name.removeprefix("native-"))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(sm3, "_backend", sm3._NATIVE_BACKEND)
            yield name
    finally:
        native.select_implementation(previous)
