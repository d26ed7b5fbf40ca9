from django.contrib import admin
from django.urls import include, path, re_path

from .exchange.api.views import api_not_found, healthz
from .health import readyz

admin.site.site_header = "电子证照管理系统（参考节点）"
admin.site.site_title = "电子证照管理系统"
admin.site.index_title = "证照库与发布管理"

api_v1 = [
    path("", include("regional_node.certificates.api.urls")),
    path("", include("regional_node.exchange.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="node-healthz"),
    path("readyz", readyz, name="node-readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("ysj/", include("regional_node.relay.urls")),
    path("witness/", include("regional_node.witness.urls")),
    re_path(r"^api/", api_not_found),
]
