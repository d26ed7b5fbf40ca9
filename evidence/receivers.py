"""Hooks into the other apps: call records, governance steps, catalog changes and publications get entries.

Each receiver writes its pending entry in the transaction of what it records (the signals are
sent inside it), so a failure to write the entry rolls the change back.
"""

from __future__ import annotations


def connect() -> None:
    from catalog.outbox import register_publication_recorder
    from catalog.signals import catalog_entry_changed
    from scenarios.signals import scenario_event_logged
    from sharing.downloads import register_download_recorder
    from trust.calls import register_entry_writer

    from .calls import write_call_entries
    from .decisions import on_catalog_change, on_download, on_publication, on_scenario_event

    register_entry_writer(write_call_entries)
    scenario_event_logged.connect(on_scenario_event, dispatch_uid="evidence.scenario_event")
    catalog_entry_changed.connect(on_catalog_change, dispatch_uid="evidence.catalog_change")
    register_publication_recorder(on_publication)
    register_download_recorder(on_download)
