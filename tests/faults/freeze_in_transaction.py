"""Run as a hub process: publish an entry and freeze (SIGSTOP) before the transaction commits.

A hung publishing process: its database session stays open, idle inside a transaction, holding
the row locks of every region's publication channel. ``ENTRY_ID`` and ``EDITOR`` come from the
environment.
"""

from __future__ import annotations

import os
import signal

import django


def main() -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from catalog import services
    from catalog.models import CatalogEntry

    editor = get_user_model().objects.get(username=os.environ["EDITOR"])
    with transaction.atomic():
        services.publish_entry(CatalogEntry.objects.get(pk=int(os.environ["ENTRY_ID"])), actor=editor)
        print("holding the channel locks", flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)


if __name__ == "__main__":
    main()
