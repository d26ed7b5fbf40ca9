"""The region's own check of a provider call against the scenario lists it received (7.3 a, 10.2 b).

Opt-in (``NODE_ENFORCE_SCENARIOS=1``): the hub has already checked the call, but a region may
insist on answering only under a scenario list the hub published to it, in force, and only with
the certificate types of that list. Times in publications are Asia/Shanghai wall time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError
from ysj_protocol.profile import TIME_FORMAT

from . import published


def _wall_time(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in (TIME_FORMAT, "%Y-%m-%d"):
        try:
            return timezone.make_aware(dt.datetime.strptime(value, fmt))
        except ValueError:
            continue
    return None


def scenario_types(item_code: str, *, now: dt.datetime | None = None) -> set[str]:
    """The type codes of the scenario list ``item_code`` in force, or a refusal saying why not.

    The list comes from the per-process cache of the published configuration (published.py); the
    validity window is checked on every call.
    """
    payload = published.scenario(item_code)
    if payload is None:
        raise EnvelopeError(st.SCENARIO_NOT_FOUND, f"本地区未收到用证清单 {item_code} 的发布")
    now = now or timezone.now()
    start, end = (
        _wall_time(payload.get("validStart", "")),
        _wall_time(payload.get("validEnd", "")),
    )
    if (start is not None and now < start) or (end is not None and now > end):
        raise EnvelopeError(st.SCENARIO_NOT_VALID)
    data_list = payload.get("dataList") or []
    return {str(item.get("certificateTypeCode")) for item in data_list if isinstance(item, dict)}


def check(item_code: str, type_codes: Iterable[str]) -> None:
    """Refuse unless every type asked for belongs to the scenario list in force (no-op unless enabled)."""
    if not settings.NODE_ENFORCE_SCENARIOS:
        return
    allowed = scenario_types(item_code)
    outside = sorted(set(type_codes) - allowed)
    if outside:
        raise EnvelopeError(
            st.CERTIFICATE_TYPE_NOT_IN_SCENARIO, f"{'、'.join(outside)} 不在用证清单 {item_code} 中"
        )


def check_certificate(item_code: str, type_code: str, type_name: str) -> None:
    """Refuse unless the certificate's type, by its own code or by its shared catalog name, is in the list."""
    if not settings.NODE_ENFORCE_SCENARIOS:
        return
    allowed = scenario_types(item_code)
    if type_code in allowed:
        return
    from ..certificates.services import catalog_aliases

    if type_name not in catalog_aliases(allowed):
        raise EnvelopeError(st.CERTIFICATE_TYPE_NOT_IN_SCENARIO, f"{type_name} 不在用证清单 {item_code} 中")
