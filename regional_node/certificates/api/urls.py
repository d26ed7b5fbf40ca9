from django.urls import path

from . import views

urlpatterns = [
    path("certificates/search", views.SearchView.as_view(), name="node-search"),
    path("certificates/info", views.InfoView.as_view(), name="node-info"),
    path("certificates/file", views.FileView.as_view(), name="node-file"),
    path("certificates/status", views.StatusView.as_view(), name="node-status"),
    path("files/<str:token>", views.download, name="node-download"),
    path("service-codes/issue", views.issue_service_code, name="node-issue-service-code"),
]
