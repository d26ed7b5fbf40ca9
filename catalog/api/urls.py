from django.urls import path

from .views import CatalogQueryView

urlpatterns = [
    path("catalogs/query", CatalogQueryView.as_view(), name="catalog-query"),
]
