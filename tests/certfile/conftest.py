"""Certificate-file tests are Django-free (run with `-p no:django`)."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _hub_key() -> None:
    """Override the suite-wide hook that configures Django settings: nothing here needs them."""
