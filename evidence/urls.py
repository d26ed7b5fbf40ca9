from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("proof/inclusion", views.inclusion_proof, name="inclusion-proof"),
    path("proof/consistency", views.consistency_proof, name="consistency-proof"),
]
