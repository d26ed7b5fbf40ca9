"""Errors of 11.4; their messages are shown to people as they are, so they are Chinese."""


class UsageError(ValueError):
    """11.4 cannot be applied as asked: an unknown format, an unreadable or encrypted file."""


class StoreError(UsageError):
    """A stored certificate file cannot be opened."""


class StoredFileCorrupted(StoreError):
    """The stored bytes were changed, or the master key is not the one that wrapped the data key."""


class MasterKeyError(StoreError):
    """The master keys given are malformed, or lack the one a file needs."""


class MasterKeyMissing(MasterKeyError):
    """The master key that wrapped the file's data key is not among the keys given."""


class SignatureMismatch(StoreError):
    """The stored file opened, but the application system's signature does not verify."""
