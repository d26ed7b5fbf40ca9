"""Signals other apps listen to; sent inside the transaction of the change.

A receiver that must not outlive a rolled-back change (a notice, an e-mail) defers its work with
``transaction.on_commit``; one that must commit with it (an evidence entry) writes at once, and
its failure undoes the change.
"""

from django.dispatch import Signal

#: Sent with ``event`` (a saved ``ScenarioEvent``) for every step of a list's workflow.
scenario_event_logged = Signal()
