"""The hub's side of the section-12 envelope for DRF views."""

from .views import CallContext, EnvelopeAPIView

__all__ = ["CallContext", "EnvelopeAPIView"]
