"""Mounted at ``admin/`` before the admin site's own URLs, so that its index is the home page."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", admin.site.admin_view(views.home), name="home"),
    path("dashboard/charts/", admin.site.admin_view(views.charts), name="charts"),
]
