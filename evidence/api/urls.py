from django.urls import path

from .views import EvidenceEntryView

urlpatterns = [
    path("evidence/entries", EvidenceEntryView.as_view(), name="evidence-entries"),
]
