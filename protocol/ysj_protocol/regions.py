"""The parties of the exchange: one table, read by the hub, the regional nodes and the clients.

The standard names three provinces and one city (appendix A); it may grow. Model choices, admin
columns, the demo launcher, service codes and certificate files all read this table, so that a
new party is one row here (and, at the hub, one migration of the choices). A confirmation round
of a scenario list records the parties it needs when it opens, so a new row changes only the
rounds opened after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegionInfo:
    """One party: letter code, name, one-character short name, administrative division code.

    ``place`` is the name without its level (上海, 江苏), as the texts list the parties.
    """

    code: str
    name: str
    short_name: str
    division_code: str
    order: int
    place: str = ""

    @property
    def place_name(self) -> str:
        return self.place or self.name


#: In the standard's order (appendix A), which is also the order of the division codes.
REGIONS: tuple[RegionInfo, ...] = (
    RegionInfo("SH", "上海市", "沪", "310000", 1, "上海"),
    RegionInfo("JS", "江苏省", "苏", "320000", 2, "江苏"),
    RegionInfo("ZJ", "浙江省", "浙", "330000", 3, "浙江"),
    RegionInfo("AH", "安徽省", "皖", "340000", 4, "安徽"),
)

#: Longest code a party may have (the hub's ``Region.code`` column allows this many characters).
CODE_MAX_LENGTH = 8

BY_CODE: dict[str, RegionInfo] = {region.code: region for region in REGIONS}
BY_DIVISION: dict[str, RegionInfo] = {region.division_code: region for region in REGIONS}
CODES: tuple[str, ...] = tuple(region.code for region in REGIONS)
CHOICES: list[tuple[str, str]] = [(region.code, region.name) for region in REGIONS]

_NUMERALS = "零一二三四五六七八九十"


def get(code: str) -> RegionInfo | None:
    """The party with letter code ``code`` (either case), or None."""
    return BY_CODE.get(code.strip().upper()) if isinstance(code, str) else None


def order_of(code: str) -> int:
    """Sort key of a region code: the table's order, unknown codes last."""
    region = BY_CODE.get(code)
    return region.order if region is not None else len(REGIONS) + 1


def ordered(codes: Iterable[str]) -> list[str]:
    """``codes`` in the table's order (unknown codes last, alphabetically)."""
    return sorted(codes, key=lambda code: (order_of(code), code))


def name_of(code: str) -> str:
    """The party's name for a page or a message; an unknown code is shown as it is."""
    region = BY_CODE.get(code)
    return region.name if region is not None else code


def codes_text(separator: str = "、") -> str:
    """The codes for a message or a help text, e.g. ``SH、JS、ZJ、AH``."""
    return separator.join(CODES)


def places_text(codes: Iterable[str] | None = None, separator: str = "、") -> str:
    """The parties as the texts list them, e.g. ``上海、江苏、浙江、安徽`` (default: the whole table)."""
    chosen = CODES if codes is None else ordered(codes)
    return separator.join(BY_CODE[code].place_name if code in BY_CODE else code for code in chosen)


def numeral(count: int | None = None) -> str:
    """A count as the texts write it (``四``); by default the number of parties in the table."""
    count = len(REGIONS) if count is None else count
    return _NUMERALS[count] if 0 <= count < len(_NUMERALS) else str(count)


def parties_label(count: int | None = None) -> str:
    """How the texts say "all the parties": ``四地`` for the four of the table today, ``五地`` for five."""
    return f"{numeral(count)}地"
