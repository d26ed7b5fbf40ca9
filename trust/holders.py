"""The holder a call is made for, as the access checks hand it to the handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .protect import mask_holder_code

if TYPE_CHECKING:
    from .models import HolderToken

ID_CARD = "身份证"
USCC = "统一社会信用代码"


@dataclass(frozen=True, slots=True)
class HolderIdentity:
    """Name, number type and plain number of a holder, decrypted in memory only for this call."""

    name: str
    code_type: str  # ID_CARD or USCC
    code: str = field(repr=False)
    token: HolderToken | None = field(default=None, repr=False, compare=False)

    @property
    def masked_code(self) -> str:
        return mask_holder_code(self.code_type, self.code)

    def __str__(self) -> str:
        return f"{self.name} {self.masked_code}"
