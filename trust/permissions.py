"""The holder's ``permission`` (12.2.3, table 11): what a holder token lets the application do.

Table 11 gives ``permission`` (访问授权信息) as a free string; the hub reads it as a list of
entries separated by commas (``,`` or ``，``), blanks around them ignored:

- an operation word: ``search`` (12.1.5), ``file`` (12.1.7, and 12.1.6 by a ``certificateID``
  found with the token), ``info`` (12.1.9, and 12.1.8 likewise), the calls that present the holder
  token or use what it found;
- any other entry is the ``itemCode`` of a scenario list.

Operations and lists restrict independently: with no operation listed every operation is
allowed, with no list named every list the application may use is allowed; an empty
``permission`` allows both. The scenario-list checks of 7.3 and 9 c still apply on top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The operations a holder token is presented to, by the word that names them in ``permission``.
OPERATIONS = {
    "search": "12.1.5 电子证照检索",
    "file": "12.1.6、12.1.7 下载证照文件",
    "info": "12.1.8、12.1.9 获取证照信息",
}
SEARCH, FILE, INFO = "search", "file", "info"

#: A scenario list's itemCode, as the catalog's code validator allows it.
ITEM_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")
SEPARATORS = re.compile(r"[,，]")
MAX_LENGTH = 200


class PermissionInvalid(ValueError):
    """``permission`` is not a list of operations and itemCodes; the message says why, in Chinese."""


@dataclass(frozen=True, slots=True)
class Permission:
    """A parsed ``permission``: empty sets mean no restriction on that axis."""

    operations: frozenset[str] = frozenset()
    item_codes: frozenset[str] = frozenset()

    def allows(self, *, operation: str | None, item_code: str | None) -> bool:
        """Whether a call of ``operation`` under ``item_code`` is within the permission.

        A call whose operation is not named (a view that declares none) is allowed only when the
        permission restricts no operation: the check fails closed.
        """
        if self.operations and operation not in self.operations:
            return False
        return not self.item_codes or item_code in self.item_codes

    def refusal(self, *, operation: str | None, item_code: str | None) -> str:
        """Why a call is outside the permission, for the refusal's message."""
        if self.operations and operation not in self.operations:
            allowed = "、".join(sorted(self.operations))
            return f"持证主体授权的操作为 {allowed}，不包括本次调用"
        allowed = "、".join(sorted(self.item_codes))
        return f"持证主体授权的用证清单为 {allowed}，不包括 {item_code or '（未指定）'}"


def parse_permission(text: str | None) -> Permission:
    """The permission ``text`` stands for; ``PermissionInvalid`` if it is malformed."""
    text = (text or "").strip()
    if not text:
        return Permission()
    if len(text) > MAX_LENGTH:
        raise PermissionInvalid(f"访问授权信息不能超过 {MAX_LENGTH} 个字符")
    operations: set[str] = set()
    item_codes: set[str] = set()
    for raw in SEPARATORS.split(text):
        entry = raw.strip()
        if not entry:
            raise PermissionInvalid("访问授权信息中有空项，应为以逗号分隔的操作（search、file、info）或用证清单编码")
        if entry in OPERATIONS:
            operations.add(entry)
        elif ITEM_CODE.match(entry):
            item_codes.add(entry)
        else:
            raise PermissionInvalid(
                f"访问授权信息中的“{entry[:32]}”既不是操作（search、file、info），也不是有效的用证清单编码（字母、数字、点、下划线、连字符）"
            )
    return Permission(operations=frozenset(operations), item_codes=frozenset(item_codes))


def normalise_permission(text: str | None) -> str:
    """The one stored form of a valid ``permission``: operations, then itemCodes, each sorted, comma-separated."""
    permission = parse_permission(text)
    return ",".join([*sorted(permission.operations), *sorted(permission.item_codes)])
