import pytest

from tests.scenarios.factories import fast_passwords


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    fast_passwords(settings)
