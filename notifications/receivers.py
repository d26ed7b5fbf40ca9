"""Who is told what: scenario-list steps and failed publication deliveries become notifications.

The signals are sent inside the transaction of the change; the work here is deferred with
``transaction.on_commit``, so a rolled-back change notifies no one, and any failure in it is
logged and never reaches the workflow.

- A list needing a decision (proposal, substantive edit, reopening, a round reset by a withdrawn
  catalog entry), rejected, published or withdrawn: the administrators of the regions its round
  needs, except the user who acted.
- A publication delivery failing: the catalog administrators, once when the delivery starts
  failing (its first failed attempt since it was last clean), not at every retry.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def connect() -> None:
    from catalog.signals import publication_delivery_failed
    from scenarios.signals import scenario_event_logged

    scenario_event_logged.connect(on_scenario_event, dispatch_uid="notifications-scenario-events")
    publication_delivery_failed.connect(on_delivery_failed, dispatch_uid="notifications-delivery-failed")


def on_scenario_event(sender: Any, *, event: Any, **kwargs: Any) -> None:
    from .notices import SCENARIO_EVENT_KINDS

    if event.kind not in SCENARIO_EVENT_KINDS:
        return
    event_id = event.pk
    transaction.on_commit(lambda: _safely(_scenario_event, event_id), robust=True)


def on_delivery_failed(sender: Any, *, delivery: Any, first_in_streak: bool, permanent: bool, **kwargs: Any) -> None:
    if not first_in_streak:
        return
    delivery_id = delivery.pk
    transaction.on_commit(lambda: _safely(_delivery_failed, delivery_id, permanent), robust=True)


def _scenario_event(event_id: int) -> None:
    from .notices import notify_scenario_event

    notify_scenario_event(event_id=event_id)


def _delivery_failed(delivery_id: int, permanent: bool) -> None:
    from .notices import notify_delivery_failed

    notify_delivery_failed(delivery_id=delivery_id, permanent=permanent)


def _safely(func: Any, *args: Any) -> None:
    try:
        func(*args)
    except Exception:
        logger.exception("could not write notifications (%s%r)", getattr(func, "__name__", func), args)
