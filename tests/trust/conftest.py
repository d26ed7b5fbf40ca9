import httpx
import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """appSecrets are hashed with Django's slow PBKDF2 in production; tests use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=15) as client:
        yield client
