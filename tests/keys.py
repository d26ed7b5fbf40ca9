"""Key pairs for tests: generated once per run, never written to the repository."""

from functools import cache

from ysj_protocol.crypto import sm2


@cache
def key_for(name: str) -> sm2.PrivateKey:
    """A stable private key per party name within one test run."""
    return sm2.PrivateKey.generate()


def hub_key() -> sm2.PrivateKey:
    return key_for("hub")
