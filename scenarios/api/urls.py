from django.urls import path

from .views import ScenarioQueryView

urlpatterns = [
    path("scenarios/query", ScenarioQueryView.as_view(), name="scenario-query"),
]
