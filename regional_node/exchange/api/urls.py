from django.urls import path

from . import views

urlpatterns = [
    path("publications", views.PublicationView.as_view(), name="node-publications"),
    path("drills", views.drill, name="node-drills"),
]
