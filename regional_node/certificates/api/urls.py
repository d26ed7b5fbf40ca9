from django.urls import path

from ysj_protocol.profile import FILE_PATH, INFO_PATH, SEARCH_PATH, STATUS_PATH, route

from . import views

urlpatterns = [
    path(route(SEARCH_PATH), views.SearchView.as_view(), name="node-search"),
    path(route(INFO_PATH), views.InfoView.as_view(), name="node-info"),
    path(route(FILE_PATH), views.FileView.as_view(), name="node-file"),
    path(route(STATUS_PATH), views.StatusView.as_view(), name="node-status"),
    path("files/<str:token>", views.download, name="node-download"),
    path("service-codes/issue", views.issue_service_code, name="node-issue-service-code"),
]
