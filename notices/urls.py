from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("notices/", views.holder_notices, name="holder-notices"),
]
