import pytest
from django.conf import settings

from trust import keys

from .keys import hub_key
from .regional import (  # noqa: F401 - fixtures: four live regional nodes
    live_regions,
    node_template,
    regional_nodes,
)


@pytest.fixture(autouse=True, scope="session")
def _hub_key() -> None:
    """The hub's key pair comes from the environment in production; tests set one per run."""
    settings.YSJ_HUB_PRIVATE_KEY = hub_key().hex()
    keys.reset_cache()
