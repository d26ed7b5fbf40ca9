import pytest
from django.conf import settings

from trust import keys

from .keys import hub_key
from .regional import live_regions, regional_nodes  # noqa: F401 - fixtures: four live regional nodes


@pytest.fixture(autouse=True, scope="session")
def _hub_key() -> None:
    """The hub's key pair comes from the environment in production; tests set one per run."""
    settings.YSJ_HUB_PRIVATE_KEY = hub_key().hex()
    keys.reset_cache()
