"""SM2 / SM3 / SM4 for the YSJ protocol (GB/T 32918, GB/T 32905, GB/T 32907), Django-free.

Everything that encrypts, signs or hashes in the project goes through these modules, so that
the conventions of the specification (C1C3C2 with a 04-prefixed C1, user ID
1234567812345678, C3 always checked) are decided in one place. See each module's docstring.
"""

from . import errors, sm2, sm3, sm4
from .errors import CryptoError, DecryptionError, InvalidCiphertextError, InvalidKeyError, SignatureError

__all__ = [
    "CryptoError",
    "DecryptionError",
    "InvalidCiphertextError",
    "InvalidKeyError",
    "SignatureError",
    "errors",
    "sm2",
    "sm3",
    "sm4",
]
