"""Hooks into the other apps: call records, governance steps and catalog changes get their entries.

Each receiver writes its pending entry in the transaction of what it records (the signals are
sent inside it), so a failure to write the entry rolls the change back.
"""

from __future__ import annotations


def connect() -> None:
    from trust.calls import register_entry_writer

    from .calls import write_call_entries

    register_entry_writer(write_call_entries)
