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
    #: Not a party's kind but what a view may accept: a region's system relaying the call of an
    #: application system registered under it (12.1.2, READING.md "Who calls whom").
    RELAYING_REGION = "relaying_region"


#: Application systems calling directly with their own key pair only.
APPLICATIONS = frozenset({CallerKind.APPLICATION})
#: What the calls of application systems accept (12.1.5-12.1.10, 12.2.1-12.2.3): the application
#: directly, or its region's system relaying it with the application's access token.
APPLICATIONS_DIRECT_OR_RELAYED = frozenset({CallerKind.APPLICATION, CallerKind.RELAYING_REGION})
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
    """The outcome of the access checks of one call; fields that do not apply are None.

    A relayed call is the application's call (``kind`` APPLICATION) whose ``party`` is the
    relaying region, also named by ``relaying_region``; ``application`` is the one its access
    token names, or None in 12.2.1, where ``appId`` names it and the registration checks it.
    """

    kind: CallerKind
    party: Party
    application: TrustedApplication | None = None
    access_token: AccessToken | None = None
    holder: HolderIdentity | None = None
    usage: Usage | None = None
    #: The region whose system relayed the call of one of its own application systems.
    relaying_region: Region | None = None

    @property
    def region(self) -> Region | None:
        """The calling region, for a region caller."""
        return self.party.region if self.kind is CallerKind.REGION else None
