"""One way to save a governed record so that its history row says who changed it and why.

The catalog and the scenario lists both keep their history with django-simple-history, which
reads the author and the reason from attributes set on the instance just before ``save``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

#: The length of simple-history's ``history_change_reason`` column.
REASON_LENGTH = 100


def save_with_history(instance: models.Model, actor: AbstractBaseUser | None, reason: str) -> None:
    """Save ``instance``; its history row names ``actor`` (a saved user only) and ``reason``."""
    instance._change_reason = reason[:REASON_LENGTH] if reason else None
    if actor is not None and getattr(actor, "pk", None):
        instance._history_user = actor
    instance.save()
