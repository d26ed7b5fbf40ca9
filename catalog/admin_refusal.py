"""Governance refusals at save time, shown on the admin form itself with nothing saved.

The admin form checks what it can see when the page is posted. Some rules can only be checked
by the service under its row lock (a list edited or a catalog entry withdrawn by another
administrator in the meantime, a code taken a moment earlier). When the service refuses in
``save_model``, the admin must neither answer with an error page nor report a success: the
whole change (history, log entries, outbox rows) is rolled back and the same form is shown
again, with the administrator's input and the refusal as a form error.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from .errors import GovernanceError

#: Request attribute carrying the refusal from the rolled-back attempt to the form shown again.
REFUSAL_ATTR = "_governance_refusal"


class SaveRefused(Exception):
    """Raised out of ``save_model`` so that the admin's transaction rolls back."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages


def refusal_messages(exc: GovernanceError | ValidationError) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc)]


class RefusalAwareAdminMixin:
    """Mixin for a ModelAdmin whose ``save_model`` calls a service that may refuse.

    ``changeform_view`` runs a POST in one transaction: ``refuse_save`` raises out of it, which
    rolls everything back, then the view runs again on the same POST data with a form that
    carries the refusal as a non-field error, so the admin renders the form instead of saving.
    """

    def refuse_save(self, exc: GovernanceError | ValidationError) -> NoReturn:
        raise SaveRefused(refusal_messages(exc)) from exc

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SaveRefused as refused:
            setattr(request, REFUSAL_ATTR, refused.messages)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal: list[str] | None = getattr(request, REFUSAL_ATTR, None)
        if not refusal:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                data = super().clean()
                for message in refusal:
                    self.add_error(None, message)
                return data

        RefusedForm.__name__ = form_class.__name__
        return RefusedForm
