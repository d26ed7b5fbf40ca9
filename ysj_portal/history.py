"""One way to save a governed record so that its history row says who changed it and why.

The catalog and the scenario lists both keep their history with django-simple-history, which
reads the author and the reason from attributes set on the instance just before ``save``.

Their history pages show every past state but do not restore one (``RevertRefusedMixin``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

#: The length of simple-history's ``history_change_reason`` column.
REASON_LENGTH = 100


def save_with_history(instance: models.Model, actor: AbstractBaseUser | None, reason: str) -> None:
    """Save ``instance``; its history row names ``actor`` (a saved user only) and ``reason``."""
    instance._change_reason = reason[:REASON_LENGTH] if reason else None
    if actor is not None and getattr(actor, "pk", None):
        instance._history_user = actor
    instance.save()


# ---------------------------------------------------------------------------- no "revert" (恢复)

# Scenario lists and catalog entries show their past states but do not restore them: their state is
# also their confirmations, publications and outbox rows, which a revert would bypass (a change goes
# through the workflow again: edit, confirmation round, publication). Their admins take the mixin.
REVERT_REFUSED_MESSAGE = "历史版本只供查看，不能恢复：恢复会绕过联合确认与发布流程。如需回到该内容，请编辑并重新提交确认。"


class RevertRefusedMixin:
    """For a ``SimpleHistoryAdmin``: the history stays readable; "revert" is neither offered nor accepted."""

    def revert_disabled(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return True

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            messages.error(request, REVERT_REFUSED_MESSAGE)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[object_id]))
        return super().history_form_view(request, object_id, version_id, extra_context)
