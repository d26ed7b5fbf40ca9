"""11.4 tests are Django-free, like the certificate-file tests they build on."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _hub_key() -> None:
    """Override the suite-wide hook that configures Django settings: nothing here needs them."""
