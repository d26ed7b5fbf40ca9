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


@pytest.fixture(autouse=True)
def _fresh_registry_cache():
    """Each test starts with an empty registry cache: rolled-back rows must not outlive their test."""
    from trust import registry

    registry.clear()
    yield
    registry.clear()


@pytest.fixture(autouse=True)
def _celery_inline_unless_real_worker(request):
    """With a broker configured, only tests marked ``celery_worker`` send tasks to it.

    Every other test runs its tasks inline, so no test leaves tasks on the broker for a later one.
    """
    from ysj_portal.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    # Configured from Django settings with the CELERY namespace: the prefixed key is the one read.
    saved = app.conf.task_always_eager
    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    try:
        yield
    finally:
        app.conf.CELERY_TASK_ALWAYS_EAGER = saved
