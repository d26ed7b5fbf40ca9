"""The hub's key pair: generated to a private file, loaded from file or environment, never stored."""

import stat
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from trust import keys
from ysj_protocol.crypto import sm2

from ..keys import hub_key


@pytest.fixture
def key_settings(settings, tmp_path):
    settings.YSJ_HUB_PRIVATE_KEY = ""
    settings.YSJ_HUB_KEY_FILE = tmp_path / "keys" / "hub.key"
    keys.reset_cache()
    yield settings
    settings.YSJ_HUB_PRIVATE_KEY = hub_key().hex()
    keys.reset_cache()


def test_generate_writes_a_private_file_and_prints_the_public_key(key_settings):
    out = StringIO()
    call_command("generate_sm2_keypair", "--out", str(key_settings.YSJ_HUB_KEY_FILE), stdout=out, stderr=StringIO())
    path = key_settings.YSJ_HUB_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public_hex = out.getvalue().strip().removeprefix("public_key=")
    assert keys.hub_public_key() == sm2.PublicKey.from_hex(public_hex)
    printed = StringIO()
    call_command("show_hub_public_key", stdout=printed)
    assert printed.getvalue().strip() == public_hex


def test_generate_refuses_to_overwrite_without_force(key_settings):
    path = str(key_settings.YSJ_HUB_KEY_FILE)
    call_command("generate_sm2_keypair", "--out", path, stdout=StringIO(), stderr=StringIO())
    before = key_settings.YSJ_HUB_KEY_FILE.read_text()
    with pytest.raises(CommandError):
        call_command("generate_sm2_keypair", "--out", path, stdout=StringIO(), stderr=StringIO())
    assert key_settings.YSJ_HUB_KEY_FILE.read_text() == before
    call_command("generate_sm2_keypair", "--out", path, "--force", stdout=StringIO(), stderr=StringIO())
    assert key_settings.YSJ_HUB_KEY_FILE.read_text() != before


def test_environment_key_takes_precedence(key_settings):
    key = sm2.PrivateKey.generate()
    key_settings.YSJ_HUB_PRIVATE_KEY = key.hex()
    keys.reset_cache()
    assert keys.hub_public_key() == key.public_key


def test_missing_key_is_a_clear_configuration_error(key_settings):
    with pytest.raises(ImproperlyConfigured, match="generate_sm2_keypair"):
        keys.hub_private_key()
    with pytest.raises(CommandError):
        call_command("show_hub_public_key", stdout=StringIO())


@pytest.mark.parametrize("bad", ["zz", "00" * 32, "FF" * 32, "12345"])
def test_invalid_key_is_refused(key_settings, bad):
    key_settings.YSJ_HUB_PRIVATE_KEY = bad
    keys.reset_cache()
    with pytest.raises(ImproperlyConfigured, match="私钥无效"):
        keys.hub_private_key()


def test_private_key_is_not_in_the_database_or_its_repr(db):
    from trust.models import Region

    field_names = {f.name for f in Region._meta.get_fields()}
    assert not any("private" in name for name in field_names)
    assert hub_key().hex() not in repr(hub_key())
