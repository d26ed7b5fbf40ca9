"""The parties of the exchange: one table, read by the hub, the regional nodes and the clients.

The standard names three provinces and one city (appendix A); it may grow. Model choices, admin
columns, the demo launcher, service codes and certificate files all read this table, so that a
new party is one row here (and, at the hub, one migration of the choices).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegionInfo:
    """One party: letter code, name, one-character short name, administrative division code."""

    code: str
    name: str
    short_name: str
    division_code: str
    order: int


#: In the standard's order (appendix A), which is also the order of the division codes.
REGIONS: tuple[RegionInfo, ...] = (
    RegionInfo("SH", "上海市", "沪", "310000", 1),
    RegionInfo("JS", "江苏省", "苏", "320000", 2),
    RegionInfo("ZJ", "浙江省", "浙", "330000", 3),
    RegionInfo("AH", "安徽省", "皖", "340000", 4),
)

#: Longest code a party may have (the hub's ``Region.code`` column allows this many characters).
CODE_MAX_LENGTH = 8

BY_CODE: dict[str, RegionInfo] = {region.code: region for region in REGIONS}
BY_DIVISION: dict[str, RegionInfo] = {region.division_code: region for region in REGIONS}
CODES: tuple[str, ...] = tuple(region.code for region in REGIONS)
CHOICES: list[tuple[str, str]] = [(region.code, region.name) for region in REGIONS]


def get(code: str) -> RegionInfo | None:
    """The party with letter code ``code`` (either case), or None."""
    return BY_CODE.get(code.strip().upper()) if isinstance(code, str) else None


def order_of(code: str) -> int:
    """Sort key of a region code: the table's order, unknown codes last."""
    region = BY_CODE.get(code)
    return region.order if region is not None else len(REGIONS) + 1


def codes_text(separator: str = "、") -> str:
    """The codes for a message or a help text, e.g. ``SH、JS、ZJ、AH``."""
    return separator.join(CODES)
