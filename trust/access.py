"""Checks run before every section-12 handler (7.3, 10.2).

The foundation only requires an active, registered caller (done by the envelope view). The
token and usage checks of the trust service plug in here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ysj_protocol.drf import CallContext

    from .envelope.views import EnvelopeAPIView


def authorize_call(view: EnvelopeAPIView, ctx: CallContext) -> None:
    return None
