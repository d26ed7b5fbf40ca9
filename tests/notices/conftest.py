"""Holder notices over the real chain: the live hub, the four regional nodes, real envelopes.

The sharing tests' callers are reused (an application with the lists ``SC-ALL`` and ``SC-ID``
and a holder token of the demo person 张伟, who has one certificate in each region).
"""

from __future__ import annotations

from ..sharing.conftest import app, hub, other_app  # noqa: F401 - fixtures
