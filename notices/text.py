"""The words of a holder notice: one short Chinese message, fit for an SMS.

The text names at most ``MAX_LISTED`` certificates (then "等N份证照"), the time to the minute in
Asia/Shanghai, the application and its operator, the scenario list, the business number and
whom to call; each part is cut to a bound, so that a notice never exceeds ``MAX_LENGTH``.
Face numbers appear masked only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ysj_protocol.profile import WALL_ZONE

from .models import NoticeKind

SIGNATURE = "【长三角电子证照】"
MAX_LISTED = 2
#: Four SMS segments of 67 characters at most; the parts' bounds keep every notice within it.
MAX_LENGTH = 268

ACTIONS = {
    NoticeKind.FILE_BY_ID: "调取证照文件",
    NoticeKind.FILE_BY_HOLDER: "调取证照文件",
    NoticeKind.INFO_BY_ID: "调取证照信息",
    NoticeKind.INFO_BY_HOLDER: "调取证照信息",
    NoticeKind.SERVICE_CODE: "通过您出示的政务服务码获取",
}


@dataclass(frozen=True, slots=True)
class Listed:
    """A certificate as the notice names it: its type and masked face number."""

    certificate_type: str
    masked_number: str


def _cut(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _certificates(listed: Sequence[Listed]) -> str:
    parts = []
    for item in listed[:MAX_LISTED]:
        name = _cut(item.certificate_type, 16) or "证照"
        number = _cut(item.masked_number, 24)
        parts.append(f"{name}（证号{number}）" if number else name)
    text = "、".join(parts)
    if len(listed) > MAX_LISTED:
        text += f"等{len(listed)}份证照"
    return text


def compose(
    *,
    kind: str,
    listed: Sequence[Listed],
    at: dt.datetime,
    application_name: str,
    operator: str,
    scenario_name: str,
    biz_num: str,
    contact: str,
) -> str:
    """The notice: whose certificates, when, by which application and operator, in which list."""
    when = at.astimezone(WALL_ZONE).strftime("%Y-%m-%d %H:%M")
    by = _cut(application_name, 24)
    if operator.strip():
        by += f"（经办人{_cut(operator, 8)}）"
    where = f"在“{_cut(scenario_name, 20)}”中" if scenario_name.strip() else ""
    text = (
        f"{SIGNATURE}您的{_certificates(listed)}于{when}被{by}{where}{ACTIONS[NoticeKind(kind)]}"
        f"{'，业务编号' + _cut(biz_num, 24) if biz_num.strip() else ''}。"
        f"如非本人授权，请联系{_cut(contact, 20)}。"
    )
    return text[:MAX_LENGTH]
