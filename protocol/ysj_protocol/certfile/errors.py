"""Errors raised on the generation and signing side.

Verification never raises for bad input: it answers a `VerificationResult` with a reason instead.
"""


class CertFileError(ValueError):
    """Invalid certificate data, or a file that cannot be rendered or signed as asked."""
