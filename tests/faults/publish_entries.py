"""Run as a hub process: publish the given catalog entries as the admin does, print how long it took.

``python -m tests.faults.publish_entries`` with ``ENTRY_IDS`` (JSON list) and ``EDITOR`` (user
name) in the environment; the broker is whatever ``CELERY_BROKER_URL`` says.
"""

from __future__ import annotations

import json
import os
import time

import django


def main() -> None:
    django.setup()
    from django.contrib.auth import get_user_model

    from catalog import services
    from catalog.models import CatalogEntry

    editor = get_user_model().objects.get(username=os.environ["EDITOR"])
    entries = list(CatalogEntry.objects.filter(pk__in=json.loads(os.environ["ENTRY_IDS"])).order_by("pk"))
    started = time.perf_counter()
    for entry in entries:
        services.publish_entry(entry, actor=editor)
    elapsed = time.perf_counter() - started
    time.sleep(float(os.environ.get("LINGER_SECONDS", "0")))  # let the background sender try
    print(json.dumps({"published": len(entries), "seconds": elapsed}), flush=True)


if __name__ == "__main__":
    main()
