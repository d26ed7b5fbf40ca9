"""The hub's WSGI application with one extra, benchmark-only route: a plain unencrypted DRF view.

``POST /bench/plain-search`` takes the 12.1.5 business parameters as plain JSON, validates them
with the same serializer and answers a result of the same shape: the envelope's cost is the
difference between it and the real endpoint. Never part of the production routes.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ysj_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from sharing.api.serializers import HolderQueryParamsSerializer  # noqa: E402


class PlainSearchView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request):  # noqa: ANN001, ANN201
        serializer = HolderQueryParamsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = {
            "certificateID": "0" * 32, "certificateType": "居民身份证", "issueDept": "上海市公安局徐汇分局",
            "certificateNumber": "31010419850312257X", "issueDate": "2017-05-04",
        }
        return Response({"total": 4, "dataList": [item] * 4, "unavailableRegions": []})


urlpatterns = [
    path("bench/plain-search", PlainSearchView.as_view()),
    path("", include("ysj_portal.urls")),
]
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
