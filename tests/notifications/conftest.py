import pytest

from tests.catalog.factories import PublishedEntryFactory, gb_type_code
from tests.scenarios.factories import fast_passwords, four_admins


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    fast_passwords(settings)


@pytest.fixture
def admins():
    """The four regions' administrators (admin_sh ... admin_ah)."""
    return four_admins()


@pytest.fixture
def entry():
    """A published catalog entry for scenario lists to name."""
    return PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(111))
