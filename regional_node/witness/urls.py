from django.urls import path

from . import views

urlpatterns = [
    path("add-checkpoint", views.add_checkpoint, name="witness-add-checkpoint"),
]
