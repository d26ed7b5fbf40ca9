"""Signals other apps listen to; sent inside the transaction of the change."""

from django.dispatch import Signal

#: Sent with ``entry``, ``change`` (one of CHANGE_*) and ``actor`` after a catalog change is saved.
catalog_entry_changed = Signal()

CHANGE_PUBLISHED = "published"
CHANGE_UPDATED = "updated"
CHANGE_WITHDRAWN = "withdrawn"

#: Sent with ``delivery`` (the ``PublicationDelivery`` after the failed attempt was saved),
#: ``first_in_streak`` (it had no failure recorded since it was created or last delivered) and
#: ``permanent`` (the region refused it: no automatic retry) after each failed delivery attempt.
publication_delivery_failed = Signal()
