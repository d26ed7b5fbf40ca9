"""The refusal of a governance step, with the message the administrator reads."""


class GovernanceError(Exception):
    """A governance rule refused the step; ``str(exc)`` is shown to the administrator as is."""
