from django.urls import path

from ysj_protocol.profile import PUBLICATIONS_PATH, route

from . import views

urlpatterns = [
    path(route(PUBLICATIONS_PATH), views.PublicationView.as_view(), name="node-publications"),
    path("drills", views.drill, name="node-drills"),
]
