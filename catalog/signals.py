"""Signals other apps listen to; sent inside the transaction of the change."""

from django.dispatch import Signal

#: Sent with ``entry``, ``change`` (one of CHANGE_*) and ``actor`` after a catalog change is saved.
catalog_entry_changed = Signal()

CHANGE_PUBLISHED = "published"
CHANGE_UPDATED = "updated"
CHANGE_WITHDRAWN = "withdrawn"
