from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import health
from .metrics import metrics_view
from .views import api_not_found, home

admin.site.site_header = "长三角电子证照融合共享服务系统"
admin.site.site_title = "长三角电子证照融合共享"
admin.site.index_title = "治理门户"

api_v1 = [
    path("", include("catalog.api.urls")),
    path("", include("scenarios.api.urls")),
    path("", include("sharing.api.urls")),
    path("", include("trust.api.urls")),
    path("", include("evidence.api.urls")),
    path("", include("notices.api.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # The home page in place of the admin's app index (dashboard.views.home), then the admin itself.
    path("admin/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
    path("holder/", include("notices.urls")),
    path("evidence/", include("evidence.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/", api_not_found),
]
