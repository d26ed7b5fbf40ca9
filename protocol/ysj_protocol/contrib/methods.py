"""``require_methods``: Django's ``require_http_methods`` with the refusal said in Chinese.

Django's own 405 is an empty body; an operator probing ``/readyz`` with the wrong method, or a
holder's browser, should read what the address accepts. Hub and nodes alike use it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed


def not_allowed(methods: tuple[str, ...]) -> HttpResponseNotAllowed:
    """The 405 answer listing ``methods`` (in ``Allow`` and in its text)."""
    return HttpResponseNotAllowed(
        list(methods),
        f"不支持该请求方法：本地址仅支持 {'、'.join(methods)}\n",
        content_type="text/plain; charset=utf-8",
    )


def require_methods(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Answer any other method with ``not_allowed``; HEAD is accepted wherever GET is."""
    allowed = tuple(dict.fromkeys(m.upper() for m in methods))
    accepted = {*allowed, "HEAD"} if "GET" in allowed else set(allowed)
    shown = (*allowed, "HEAD") if "GET" in allowed and "HEAD" not in allowed else allowed

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in accepted:
                return not_allowed(shown)
            return view(request, *args, **kwargs)

        return checked

    return decorator
