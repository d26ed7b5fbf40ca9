"""The hub's eleven application paths (12.1.3-12.1.10, 12.2.1-12.2.3), served under ``<node>/ysj``.

The paths are the hub's own, so an application's client works unchanged whether its base URL is
the hub's or ``<node>/ysj``.
"""

from django.urls import path, re_path

from ..exchange.api.views import api_not_found
from .views import HolderTokenRelayView, RelayView

#: Section, hub path (relative to its base URL), view class.
RELAYED = (
    ("12.1.3", "/api/v1/catalogs/query", RelayView),
    ("12.1.4", "/api/v1/scenarios/query", RelayView),
    ("12.1.5", "/api/v1/certificates/search", RelayView),
    ("12.1.6", "/api/v1/certificates/file/by-id", RelayView),
    ("12.1.7", "/api/v1/certificates/file/by-holder", RelayView),
    ("12.1.8", "/api/v1/certificates/info/by-id", RelayView),
    ("12.1.9", "/api/v1/certificates/info/by-holder", RelayView),
    ("12.1.10", "/api/v1/certificates/verify", RelayView),
    ("12.2.1", "/api/v1/trust/apps/register", RelayView),
    ("12.2.2", "/api/v1/trust/service-codes/verify", RelayView),
    ("12.2.3", "/api/v1/trust/holder-tokens", HolderTokenRelayView),
)
REGISTER_SECTION = "12.2.1"

urlpatterns = [
    path(
        hub_path.removeprefix("/"),
        view.as_view(hub_path=hub_path, issues_token=section == REGISTER_SECTION),
        name=f"relay-{section}",
    )
    for section, hub_path, view in RELAYED
]
# Anything else under the relay is answered as an envelope (1012), never an HTML page.
urlpatterns.append(re_path(r"^api/", api_not_found))
