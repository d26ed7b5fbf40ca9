"""Small project-level views: the landing redirect and the JSON 404 of the API."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt

from trust.envelope.views import envelope_response
from ysj_protocol import status as st


def home(request: HttpRequest) -> HttpResponse:
    return redirect("admin:index")


@csrf_exempt
def api_not_found(request: HttpRequest) -> HttpResponse:
    return envelope_response({"head": {"status": st.NOT_FOUND.code, "message": st.NOT_FOUND.message}},
                             st.NOT_FOUND.http_status)
