"""What the access checks established for one call: who calls, for whom, under which scenario list.

``trust.access.authorize`` returns a ``Grant``; handlers read it from ``ctx.grant`` rather than
looking anything up again. Each envelope view declares the kinds of caller it accepts
(``callers``), so who may call what never depends on a route's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .holders import HolderIdentity
    from .models import AccessToken, Region, TrustedApplication
    from .parties import Party


class CallerKind(StrEnum):
    """The kinds of registered party that call the hub (``trust.parties``)."""

    APPLICATION = "application"
    REGION = "region"


#: What most views accept: application systems only (certificates go to applications).
APPLICATIONS = frozenset({CallerKind.APPLICATION})
#: The published governance data (12.1.3, 12.1.4), which the regions jointly confirmed.
APPLICATIONS_AND_REGIONS = frozenset({CallerKind.APPLICATION, CallerKind.REGION})


class Usage(Protocol):
    """A checked use of a scenario list (7.3 a-b, 9 c): the certificate types it gives access to now."""

    scenario_list: Any
    allowed_type_codes: Sequence[str]
    allowed_type_names: Sequence[str]

    def allows_code(self, type_code: str) -> bool: ...

    def admits(self, type_code: str, type_name: str) -> bool: ...


class UsageCheck(Protocol):
    """The scenario-list check, provided by the ``scenarios`` app (``trust.access.register_usage_check``).

    Raises ``EnvelopeError`` with a 3xxx status naming the first check that fails.
    """

    def __call__(
        self, application: TrustedApplication, item_code: str, certificate_types: list[str], *, at: dt.datetime
    ) -> Usage: ...


@dataclass(frozen=True, slots=True)
class Grant:
    """The outcome of the access checks of one call; fields that do not apply are None."""

    kind: CallerKind
    party: Party
    application: TrustedApplication | None = None
    access_token: AccessToken | None = None
    holder: HolderIdentity | None = None
    usage: Usage | None = None
    #: Reserved for a region relaying the call of one of its own application systems.
    relaying_region: Region | None = None

    @property
    def region(self) -> Region | None:
        """The calling region, for a region caller."""
        return self.party.region if self.kind is CallerKind.REGION else None
