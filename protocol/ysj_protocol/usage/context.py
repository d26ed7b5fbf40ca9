"""What a certificate file was obtained for: the text of its watermark (11.4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .errors import UsageError

#: Watermark times are shown in Beijing time, as every party of the exchange reads them.
CHINA_TIME = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True)
class UseContext:
    """The use a file was obtained for, as the call's audit fields name it.

    `scenario_name` is the scenario list's name (用证清单, the call's itemName), `biz_num` and
    `item_org` the call's bizNum and itemOrg, `time` when it was obtained (timezone-aware).
    """

    scenario_name: str
    biz_num: str
    item_org: str
    time: datetime

    def __post_init__(self) -> None:
        for name in ("scenario_name", "biz_num", "item_org"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip() or not value.isprintable():
                raise UsageError(f"水印内容 {name} 不能为空，且不能含控制字符")
        if self.time.tzinfo is None:
            raise UsageError("水印时间须带时区")

    @property
    def text(self) -> str:
        """仅供<scenario name>使用 <bizNum> <itemOrg> <time>."""
        when = self.time.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
        return f"仅供{self.scenario_name.strip()}使用 {self.biz_num.strip()} {self.item_org.strip()} {when}"
