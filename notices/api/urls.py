from django.urls import path

from . import views

urlpatterns = [
    path("holders/notices", views.HolderNoticesView.as_view(), name="holder-notices-list"),
]
